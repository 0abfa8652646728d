package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var stamped = regexp.MustCompile(`^\+[0-9]+\.[0-9]s `)

func TestStampWriter(t *testing.T) {
	var buf bytes.Buffer
	w := &stampWriter{w: &buf, start: time.Now()}
	for _, chunk := range []string{"one\ntw", "o\n", "", "three"} {
		if n, err := w.Write([]byte(chunk)); err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	var got []string
	for _, l := range lines {
		if !stamped.MatchString(l) {
			t.Errorf("line %q has no time stamp", l)
		}
		got = append(got, stamped.ReplaceAllString(l, ""))
	}
	if diff := cmp.Diff([]string{"one", "two", "three"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestParseRusage(t *testing.T) {
	report := `	Command being timed: "kubectl apply --server-side -f rendered.yaml"
	User time (seconds): 1.25
	System time (seconds): 0.50
	Percent of CPU this job got: 43%
	Elapsed (wall clock) time (h:mm:ss or m:ss): 0:04.01
	Maximum resident set size (kbytes): 74148
	Exit status: 0
`
	got, err := parseRusage([]byte(report))
	if err != nil {
		t.Fatal(err)
	}
	want := usage{CPU: 1750 * time.Millisecond, MaxRSSKiB: 74148}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseRusage (-want +got):\n%s", diff)
	}
}

func TestParseRusageErrors(t *testing.T) {
	tests := map[string]string{
		"not a report":  "Command terminated by signal 9\n",
		"no RSS":        "User time (seconds): 1\nSystem time (seconds): 1\n",
		"bad CPU time":  "User time (seconds): x\nSystem time (seconds): 1\nMaximum resident set size (kbytes): 1\n",
		"bad RSS value": "User time (seconds): 1\nSystem time (seconds): 1\nMaximum resident set size (kbytes): 1.5\n",
	}
	for name, report := range tests {
		t.Run(name, func(t *testing.T) {
			if got, err := parseRusage([]byte(report)); err == nil {
				t.Errorf("parseRusage = %+v, want an error", got)
			}
		})
	}
}

func TestUsagePlus(t *testing.T) {
	a := usage{Wall: 2 * time.Second, CPU: time.Second, MaxRSSKiB: 100}
	b := usage{Wall: 3 * time.Second, CPU: 2 * time.Second, MaxRSSKiB: 50}
	want := usage{Wall: 5 * time.Second, CPU: 3 * time.Second, MaxRSSKiB: 100}
	if diff := cmp.Diff(want, a.plus(b)); diff != "" {
		t.Errorf("plus (-want +got):\n%s", diff)
	}
}

// The runner runs the real GNU time, as the benchmark does.
func TestRunnerRun(t *testing.T) {
	const gnuTime = "/usr/bin/time"
	if _, err := os.Stat(gnuTime); err != nil {
		t.Skipf("GNU time is not installed at %s (apt-get install time): %v", gnuTime, err)
	}
	r := runner{time: gnuTime, logDir: t.TempDir(), env: []string{"BENCH_A=from-runner"}}
	ctx := context.Background()

	t.Run("success", func(t *testing.T) {
		var out bytes.Buffer
		u, err := r.run(ctx, "ok", &out, []string{"BENCH_B=from-call"}, "sh", "-c", `echo "$BENCH_A $BENCH_B"; echo progress >&2`)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := out.String(), "from-runner from-call\n"; got != want {
			t.Errorf("stdout = %q, want %q", got, want)
		}
		if u.Wall <= 0 || u.MaxRSSKiB <= 0 {
			t.Errorf("usage = %+v, want a wall time and an RSS", u)
		}
		if got := tail(r.logDir+"/ok.err", 5); !stamped.MatchString(got) || !strings.HasSuffix(got, " progress") {
			t.Errorf("stderr log = %q, want \"+<seconds>s progress\"", got)
		}
	})
	t.Run("cancelling kills the command under time", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		// sh waits for sleep, which holds stderr open: only a kill of the
		// whole group ends the run before sleep does.
		_, err := r.run(ctx, "cancelled", &bytes.Buffer{}, nil, "sh", "-c", "sleep 30; echo done")
		if err == nil {
			t.Fatal("want an error")
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("run took %s after its context ended", d)
		}
	})
	t.Run("failure shows the end of stderr", func(t *testing.T) {
		_, err := r.run(ctx, "fails", &bytes.Buffer{}, nil, "sh", "-c", "echo first >&2; echo last words >&2; exit 3")
		if err == nil {
			t.Fatal("want an error")
		}
		for _, want := range []string{"fails: sh -c", "exit status 3", "s first\n+", "s last words"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
	})
}
