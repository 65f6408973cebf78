package channels

import (
	"testing"

	"github.com/rapporthq/rapport/internal/testenv"
)

// TestMain stops the package's redis-server (testenv.NewRedis) when the tests end.
func TestMain(m *testing.M) { testenv.Main(m) }
