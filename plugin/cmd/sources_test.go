package cmd

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSourceOptionsValidate(t *testing.T) {
	tests := map[string]struct {
		o       SourceOptions
		wantErr string
	}{
		"file":             {o: SourceOptions{Arg: "clusters/infra.yaml"}},
		"flags":            {o: SourceOptions{Repo: "https://h/r.git", Branch: "main", Path: "apps"}},
		"neither":          {o: SourceOptions{}, wantErr: "no source"},
		"both":             {o: SourceOptions{Arg: "x.yaml", Repo: "https://h/r.git"}, wantErr: "either SOURCE or --repo"},
		"ref with file":    {o: SourceOptions{Arg: "x.yaml", Branch: "main"}, wantErr: "go with --repo"},
		"two refs":         {o: SourceOptions{Repo: "https://h/r.git", Branch: "main", Tag: "v1"}, wantErr: "set only one of branch, tag and semver"},
		"bad version":      {o: SourceOptions{Arg: "x.yaml", ClusterVersion: "latest"}, wantErr: "--cluster-version"},
		"commit on branch": {o: SourceOptions{Repo: "https://h/r.git", Branch: "main", Commit: "0123456789abcdef"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.o.validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("validate: %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestRepoName(t *testing.T) {
	for url, want := range map[string]string{
		"https://git.example.com/team/config.git": "config",
		"git@github.com:team/config.git":          "config",
		"file:///srv/git/config/":                 "config",
		"":                                        "source",
	} {
		if got := repoName(url); got != want {
			t.Errorf("repoName(%q) = %q, want %q", url, got, want)
		}
	}
}

func TestExitCode(t *testing.T) {
	for err, want := range map[error]int{
		nil:                 0,
		errors.New("plain"): 1,
		&ExitError{Code: 1}: 1,
		fmt.Errorf("wrapped: %w", &ExitError{Code: DiffError, Err: errors.New("x")}): DiffError,
	} {
		if got := ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

// A source naming no Secret fetches with GIT_USERNAME/GIT_PASSWORD from a
// user's terminal, and with nothing in the agent.
func TestCredentialsFromTheEnvironmentOnlyInATerminal(t *testing.T) {
	t.Setenv(EnvGitUsername, "platform")
	t.Setenv(EnvGitPassword, "platform-token")
	for terminal, want := range map[bool]string{true: "platform-token", false: ""} {
		auth, err := credentials(nil, terminal)(t.Context(), "team-a", "")
		if err != nil || auth.Password != want {
			t.Errorf("terminal %v: password %q, %v; want %q", terminal, auth.Password, err, want)
		}
	}
}

// A registry policy naming no Secret uses the local docker config from a
// terminal, and no credentials in the agent.
func TestRegistryCredentialsFromTheMachineOnlyInATerminal(t *testing.T) {
	for terminal, local := range map[bool]bool{true: true, false: false} {
		rc, err := registryCredentials(nil, terminal)(t.Context(), "team-a", "")
		if err != nil || (rc.Keychain != nil) != local {
			t.Errorf("terminal %v: keychain %v, %v; want one: %v", terminal, rc.Keychain, err, local)
		}
	}
}
