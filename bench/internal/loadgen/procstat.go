package loadgen

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100 on every Linux
// architecture Go supports.
const clockTick = 10 * time.Millisecond

// CPUTime returns the user plus system CPU time process pid has used so far, from
// /proc/PID/stat (fields 14 and 15, in clock ticks).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of process %d (is it still running? Linux only): %w", pid, err)
	}
	// The command name (field 2) may hold spaces and parentheses: fields count from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat has no ')': unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat has %d fields after the name, want at least 13", pid, len(f))
	}
	// f[0] is field 3 (state), so utime (14) is f[11] and stime (15) is f[12].
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q are not numbers", pid, f[11], f[12])
	}
	return time.Duration(ut+st) * clockTick, nil
}

// RSS returns the resident set size of process pid in bytes, from VmRSS in /proc/PID/status.
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read memory of process %d (is it still running? Linux only): %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb * 1024, nil
				}
			}
			return 0, fmt.Errorf("/proc/%d/status: cannot read VmRSS line %q", pid, line)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS line (a kernel thread?)", pid)
}

// RaiseFileLimit raises this process's open-file soft limit to its hard limit and fails when
// that is still below need, saying how to fix it.
func RaiseFileLimit(need uint64) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("read the open-file limit: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return fmt.Errorf("raise the open-file limit to %d: %w", l.Max, err)
		}
	}
	if l.Cur < need {
		return fmt.Errorf("open-file limit is %d but this run needs %d: raise it (ulimit -Hn %d as root) or use fewer subscribers", l.Cur, need, need)
	}
	return nil
}

// MachineCPU returns the busy CPU time of the whole machine so far (user, nice, system, irq
// and softirq over all CPUs, from /proc/stat), and the softirq part alone: loopback TCP does
// much of its receive work in softirq context, charged to whichever process or ksoftirqd
// thread happens to be running, so the hub's own CPU time alone can miss some of its cost.
func MachineCPU() (busy, softirq time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, fmt.Errorf("read /proc/stat (Linux only): %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var v [8]int64
	for i := 1; i < 8; i++ {
		v[i], _ = strconv.ParseInt(f[i], 10, 64)
	}
	// user nice system idle iowait irq softirq
	busy = time.Duration(v[1]+v[2]+v[3]+v[6]+v[7]) * clockTick
	return busy, time.Duration(v[7]) * clockTick, nil
}
