package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is what one command cost.
type usage struct {
	// Wall is the elapsed time.
	Wall time.Duration
	// CPU is user + system time of the command and its children.
	CPU time.Duration
	// MaxRSSKiB is the peak resident set size of the largest process.
	MaxRSSKiB int64
}

// plus adds two usages that ran one after the other: times add, the peak
// is the larger.
func (u usage) plus(v usage) usage {
	return usage{Wall: u.Wall + v.Wall, CPU: u.CPU + v.CPU, MaxRSSKiB: max(u.MaxRSSKiB, v.MaxRSSKiB)}
}

// runner runs commands under GNU time.
type runner struct {
	// time is GNU time's path.
	time string
	// logDir receives each command's stderr and rusage, named after it.
	logDir string
	// env is added to the environment of every command.
	env []string
}

// run runs name with args under `time -v`, its stdout to out. label names
// the log files and the command in errors. Its stderr goes to a log file,
// each line prefixed with the time since the start ("+12.3s "), whose tail
// is part of the error when it fails.
func (r runner) run(ctx context.Context, label string, out io.Writer, env []string, name string, args ...string) (usage, error) {
	rusage := filepath.Join(r.logDir, label+".rusage")
	stderrPath := filepath.Join(r.logDir, label+".err")
	stderr, err := os.Create(stderrPath)
	if err != nil {
		return usage{}, fmt.Errorf("%s: %w", label, err)
	}
	defer stderr.Close()
	cmd := exec.CommandContext(ctx, r.time, append([]string{"-v", "-o", rusage, name}, args...)...)
	start := time.Now()
	stamped := &stampWriter{w: stderr, start: start}
	cmd.Stdout, cmd.Stderr = out, stamped
	cmd.Env = append(append(os.Environ(), r.env...), env...)
	// time does not pass signals on: cancelling kills its whole process
	// group, so no command outlives the benchmark.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	wall := time.Since(start)
	if ferr := stamped.flush(); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		// What it cost until it failed, when time could tell.
		u, _ := readRusage(rusage)
		u.Wall = wall
		return u, fmt.Errorf("%s: %s %s: %w\n%s", label, filepath.Base(name), strings.Join(args, " "), err, tail(stderrPath, 20))
	}
	u, err := readRusage(rusage)
	if err != nil {
		return usage{}, fmt.Errorf("%s: %w", label, err)
	}
	u.Wall = wall
	return u, nil
}

// readRusage reads the report `time -v -o path` wrote.
func readRusage(path string) (usage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return usage{}, err
	}
	u, err := parseRusage(data)
	if err != nil {
		return usage{}, fmt.Errorf("%s: %w", path, err)
	}
	return u, nil
}

// stampWriter prefixes each line written to w with the time since start.
type stampWriter struct {
	w       io.Writer
	start   time.Time
	partial []byte
}

func (s *stampWriter) Write(p []byte) (int, error) {
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := s.line(s.partial[:i+1]); err != nil {
			return 0, err
		}
		s.partial = s.partial[i+1:]
	}
}

// flush writes a last line that had no newline.
func (s *stampWriter) flush() error {
	if len(s.partial) == 0 {
		return nil
	}
	err := s.line(append(s.partial, '\n'))
	s.partial = nil
	return err
}

func (s *stampWriter) line(l []byte) error {
	_, err := fmt.Fprintf(s.w, "+%.1fs %s", time.Since(s.start).Seconds(), l)
	return err
}

// parseRusage reads CPU time and peak RSS from the report of GNU `time -v`.
func parseRusage(data []byte) (usage, error) {
	var u usage
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), ": ")
		if !ok {
			continue
		}
		switch name {
		case "User time (seconds)", "System time (seconds)":
			s, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return u, fmt.Errorf("%s: %w", name, err)
			}
			u.CPU += time.Duration(s * float64(time.Second))
			found++
		case "Maximum resident set size (kbytes)":
			kib, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return u, fmt.Errorf("%s: %w", name, err)
			}
			u.MaxRSSKiB = kib
			found++
		}
	}
	if found != 3 {
		return u, fmt.Errorf("not a `time -v` report: found %d of user time, system time and maximum resident set size", found)
	}
	return u, nil
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
