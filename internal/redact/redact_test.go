package redact

import "testing"

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:s3cret@git.example.com/org/repo.git", "https://git.example.com/org/repo.git"},
		{"http://token@127.0.0.1:8080/charts", "http://127.0.0.1:8080/charts"},
		{"oci://u:p@registry.example/charts", "oci://registry.example/charts"},
		{"ssh://git:pw@host:22/x.git", "ssh://host:22/x.git"},
		{"deploy:s3cret@host.example:org/x.git", "deploy@host.example:org/x.git"},
		{"git@github.com:org/x.git", "git@github.com:org/x.git"},
		{`fetch "https://a:b@h/x" failed; retry deploy:pw@h.example:o/r.git`, `fetch "https://h/x" failed; retry deploy@h.example:o/r.git`},
		{"no url here: a:b", "no url here: a:b"},
		{"https://git.example.com/org/repo.git", "https://git.example.com/org/repo.git"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if HasCredentials(tt.in) != (tt.in != tt.want) {
			t.Errorf("HasCredentials(%q) = %v", tt.in, HasCredentials(tt.in))
		}
	}
}
