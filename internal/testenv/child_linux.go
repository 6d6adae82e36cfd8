package testenv

import "syscall"

// childAttr puts a child in its own process group (a test's signals are
// not its own) and kills it when the test process dies, however it dies:
// a child left running would keep its ports, and a fuzzing coordinator
// waits for every process holding the worker's pipes.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
