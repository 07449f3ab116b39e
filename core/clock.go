package core

import "time"

// monoClock reads monotonic time as int64 nanoseconds since the producer
// started: cheap to store in atomics and to compare, and immune to wall-clock
// steps (linger, backoff and timeouts must not jump when NTP does).
type monoClock struct{ base time.Time }

func newMonoClock() *monoClock { return &monoClock{base: time.Now()} }

func (c *monoClock) now() int64 { return int64(time.Since(c.base)) }
