package store

// SetThisMachine lets a child process of the tests pass for a process of
// another machine, whose PIDs mean nothing here.
func SetThisMachine(m string) { thisMachine = m }
