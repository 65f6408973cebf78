package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a local Redis Cluster of three masters, started once per test package.
type Cluster struct {
	Addrs   []string
	URL     string // redis-cluster://h1:p1,h2:p2,h3:p3
	servers []*Server
}

var (
	cluster     *Cluster
	clusterErr  error
	clusterOnce sync.Once
)

// NewCluster returns a client on the package's three-master cluster, emptied for this test.
// Tests that share it must not run in parallel with each other.
func NewCluster(t testing.TB) (*Cluster, *redis.ClusterClient) {
	t.Helper()
	clusterOnce.Do(func() { cluster, clusterErr = startCluster() })
	if clusterErr != nil {
		t.Fatalf("start redis cluster: %v", clusterErr)
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		return m.FlushAll(ctx).Err()
	}); err != nil {
		t.Fatalf("flush cluster: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return cluster, c
}

func startCluster() (*Cluster, error) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, fmt.Errorf("redis-cli not found (scripts/test.sh installs redis-server, which ships it): %w", err)
	}
	cl := &Cluster{}
	for i := 0; i < 3; i++ {
		s, err := StartRedisServer("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		if err != nil {
			cl.stop()
			return nil, err
		}
		cl.servers = append(cl.servers, s)
		cl.Addrs = append(cl.Addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, cl.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		cl.stop()
		return nil, fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Wait until every node agrees the cluster is up and all 16384 slots are served.
	deadline := time.Now().Add(20 * time.Second)
	for _, addr := range cl.Addrs {
		for {
			out, _ := exec.Command(cli, "-h", "127.0.0.1", "-p", strings.Split(addr, ":")[1], "cluster", "info").Output()
			if strings.Contains(string(out), "cluster_state:ok") && strings.Contains(string(out), "cluster_slots_assigned:16384") {
				break
			}
			if time.Now().After(deadline) {
				cl.stop()
				return nil, fmt.Errorf("cluster not ready on %s: %s", addr, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	cl.URL = "redis-cluster://" + strings.Join(cl.Addrs, ",")
	return cl, nil
}

func (c *Cluster) stop() {
	for _, s := range c.servers {
		s.Stop()
	}
}

// StopCluster stops the package's cluster; Main calls it.
func StopCluster() {
	if cluster != nil {
		cluster.stop()
	}
}
