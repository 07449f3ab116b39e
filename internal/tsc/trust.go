package tsc

import (
	"bytes"
	"os"
)

// clocksourceFile names the clocksource Linux reads its clocks from.
const clocksourceFile = "/sys/devices/system/clocksource/clocksource0/current_clocksource"

// counterTrusted reports whether the kernel itself times with the TSC.
// Linux picks it only when it is invariant and in step across CPUs, and
// drops it when its watchdog sees it drift; a Clock started after that
// does not extrapolate. Elsewhere the file does not exist.
func counterTrusted() bool {
	if !haveCounter {
		return false
	}
	b, err := os.ReadFile(clocksourceFile)
	return err == nil && string(bytes.TrimSpace(b)) == "tsc"
}
