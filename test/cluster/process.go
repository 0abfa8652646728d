package cluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is one started binary. Its pid file (<name>.pid in the state dir)
// holds the pid and the binary path, so StopDir can find it again and never
// signals a pid the kernel has since given to another program.
type process struct {
	name   string
	binary string
	pid    int
	cmd    *exec.Cmd     // nil when read back from a pid file
	exited chan struct{} // closed when cmd has been waited for; nil without cmd
}

// startProcess runs binary with args, logging to <dir>/<name>.log.
func startProcess(dir, name, binary string, args []string, detach bool) (*process, error) {
	logFile, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer logFile.Close()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if detach {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		// Killed with us, even when a test binary is killed on timeout.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &process{name: name, binary: binary, pid: cmd.Process.Pid, cmd: cmd, exited: make(chan struct{})}
	if resolved, err := filepath.EvalSymlinks(binary); err == nil {
		p.binary = resolved
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	pidFile := filepath.Join(dir, name+".pid")
	if err := os.WriteFile(pidFile, []byte(fmt.Sprintf("%d\n%s\n", p.pid, p.binary)), 0o644); err != nil {
		_ = p.stop()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// readProcess reads <dir>/<name>.pid; nil when there is none.
func readProcess(dir, name string) (*process, error) {
	data, err := os.ReadFile(filepath.Join(dir, name+".pid"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lines := strings.SplitN(strings.TrimSpace(string(data)), "\n", 2)
	pid, err := strconv.Atoi(lines[0])
	if err != nil || len(lines) != 2 {
		return nil, fmt.Errorf("%s.pid: want a pid and a binary path, got %q", name, data)
	}
	return &process{name: name, binary: lines[1], pid: pid}, nil
}

// running reports whether the process is alive (not a zombie) and is still
// the binary that was started.
func (p *process) running() bool {
	if p.exited != nil {
		select {
		case <-p.exited:
			return false
		default:
			return true
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return false
	}
	// Field 3, after the parenthesised command name, is the state.
	if i := strings.LastIndexByte(string(stat), ')'); i < 0 || strings.HasPrefix(string(stat[i+1:]), " Z") {
		return false
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", p.pid))
	return err == nil && strings.TrimSuffix(exe, " (deleted)") == p.binary
}

// stop sends SIGTERM, then SIGKILL after 15 seconds, and waits until the
// process is gone.
func (p *process) stop() error {
	if !p.running() {
		return nil
	}
	_ = syscall.Kill(p.pid, syscall.SIGTERM)
	deadline := time.Now().Add(15 * time.Second)
	for p.running() {
		if time.Now().After(deadline) {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
			deadline = time.Now().Add(10 * time.Second)
			for p.running() {
				if time.Now().After(deadline) {
					return fmt.Errorf("%s (pid %d) survived SIGKILL", p.name, p.pid)
				}
				time.Sleep(50 * time.Millisecond)
			}
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// logTail is the end of the process's log, for error messages.
func logTail(dir, name string) string {
	data, err := os.ReadFile(filepath.Join(dir, name+".log"))
	if err != nil {
		return ""
	}
	return tail(string(data), 15)
}
