package redisconn_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rapporthq/rapport/internal/redisconn"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestOpenRedisRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"http://x", "redis-sentinel://127.0.0.1:26379", "redis-sentinel://m@h:1/x", "::"} {
		if _, err := redisconn.Open(u); err == nil || !strings.Contains(err.Error(), "redis_url") {
			t.Errorf("%q: %v, want an error naming redis_url", u, err)
		}
	}
}

// TestOpenRedisFindsTheMasterThroughSentinel starts a master and a sentinel watching it, and
// connects with redis-sentinel://MASTER@SENTINEL/DB as an operator would.
func TestOpenRedisFindsTheMasterThroughSentinel(t *testing.T) {
	master, err := testenv.StartRedisServer()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Stop()
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor shop 127.0.0.1 %d 1\n", port, dir, master.Port)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, conf, "--sentinel")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	rdb, err := redisconn.Open(fmt.Sprintf("redis-sentinel://shop@127.0.0.1:%d/3", port))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err = rdb.Set(ctx, "through-sentinel", "yes", 0).Err(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no master through the sentinel: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	direct, err := redisconn.Open(fmt.Sprintf("redis://%s/3", master.Addr))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if v, _ := direct.Get(ctx, "through-sentinel").Result(); v != "yes" {
		t.Fatalf("the write did not reach database 3 of the master (got %q)", v)
	}
}
