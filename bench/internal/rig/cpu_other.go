//go:build !unix

package rig

import "time"

// CPUTime is unknown on this system; CPU shares then read 0.
func CPUTime() time.Duration { return 0 }
