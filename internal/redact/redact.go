// Package redact takes credentials out of what is printed: the user and
// password of URLs (https://user:pass@host/…, oci://…, ssh://…) and the
// password of scp-like Git addresses (user:pass@host:org/repo.git). Every
// URL that reaches a message, a log line, a status or an inventory goes
// through it.
package redact

import "regexp"

var (
	// withScheme is a URL's userinfo: everything between :// and @.
	withScheme = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://)[^/@\s"']*@`)
	// scpPassword is the password of user:pass@host:path.
	scpPassword = regexp.MustCompile(`(^|[\s"'(=,])([A-Za-z0-9._~-]+):[^@/\s"']+@([A-Za-z0-9.-]+:)`)
)

// Text is s with the credentials of every URL in it removed: a URL keeps
// no userinfo at all, an scp-like address keeps its user (git@…).
func Text(s string) string {
	s = withScheme.ReplaceAllString(s, "$1")
	return scpPassword.ReplaceAllString(s, "$1$2@$3")
}

// HasCredentials says whether s, a URL or scp-like address, holds a user
// or password that Text would take out.
func HasCredentials(s string) bool { return Text(s) != s }
