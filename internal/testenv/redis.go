// Package testenv starts the real components tests talk to: a redis-server on a free port (one
// per test package, a fresh database per test) and an SMTP server in the test process
// (emersion/go-smtp) that records what it receives. Nothing here mocks Redis.
package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// databases is how many logical databases the shared server has; each test takes its own.
const databases = 4096

// Redis is one test's isolated database on the package's shared redis-server.
type Redis struct {
	Addr   string
	DB     int
	URL    string // redis://127.0.0.1:PORT/DB
	Client *redis.Client
}

// AsynqOpt returns asynq connection options for this database.
func (r *Redis) AsynqOpt() asynq.RedisClientOpt {
	return asynq.RedisClientOpt{Addr: r.Addr, DB: r.DB}
}

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
	nextDB     int
	dbMu       sync.Mutex
)

// NewRedis returns a fresh, empty database on the package's redis-server, started on first use.
// The test fails (it is not skipped) when redis-server is missing: run scripts/test.sh, which
// installs it.
func NewRedis(t testing.TB) *Redis {
	t.Helper()
	sharedOnce.Do(func() {
		shared, sharedErr = StartRedisServer("--databases", strconv.Itoa(databases))
	})
	if sharedErr != nil {
		t.Fatalf("start redis-server: %v", sharedErr)
	}
	dbMu.Lock()
	db := nextDB
	nextDB++
	dbMu.Unlock()
	if db >= databases {
		t.Fatalf("testenv: more than %d Redis databases in one package", databases)
	}
	client := redis.NewClient(&redis.Options{Addr: shared.Addr, DB: db})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("flush redis db %d: %v", db, err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return &Redis{
		Addr:   shared.Addr,
		DB:     db,
		URL:    fmt.Sprintf("redis://%s/%d", shared.Addr, db),
		Client: client,
	}
}

// Server is a redis-server process.
type Server struct {
	Addr string
	Port int
	Dir  string
	cmd  *exec.Cmd
}

// StartRedisServer starts redis-server on a free loopback port with persistence off, plus any
// extra arguments. The process dies with the test binary (Pdeathsig) and on Stop.
func StartRedisServer(extra ...string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not found in PATH (scripts/test.sh installs it): %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "rapport-redis-")
		if err != nil {
			return nil, err
		}
		args := append([]string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir,
			"--protected-mode", "no", "--loglevel", "warning",
		}, extra...)
		cmd := exec.Command(bin, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		logf, _ := os.Create(filepath.Join(dir, "redis.log"))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
		s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Dir: dir, cmd: cmd}
		if err := s.waitReady(5 * time.Second); err != nil {
			lastErr = err
			s.Stop()
			continue
		}
		return s, nil
	}
	return nil, fmt.Errorf("redis-server did not start: %w", lastErr)
}

func (s *Server) waitReady(timeout time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
			return fmt.Errorf("redis-server on %s not ready: %v\n%s", s.Addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server and removes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
	_ = os.RemoveAll(s.Dir)
}

// StopShared stops the package's shared redis-server; call it from TestMain after m.Run.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
}

// Main runs the package's tests and stops the shared servers afterwards:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	StopCluster()
	os.Exit(code)
}

// FreePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
