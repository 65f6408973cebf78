package rig

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/internal/redisconn"
	"github.com/rapporthq/rapport/internal/testenv"
)

// Redis is a redis-server of its own (persistence off, as in the tests) and the production
// client to its database 0, opened the way `rapport serve` opens it (redisconn.Open).
type Redis struct {
	Server *testenv.Server
	Client redis.UniversalClient
}

// StartRedis starts redis-server on a free loopback port.
func StartRedis() (*Redis, error) {
	srv, err := testenv.StartRedisServer()
	if err != nil {
		return nil, err
	}
	c, err := redisconn.Open("redis://" + srv.Addr + "/0")
	if err != nil {
		srv.Stop()
		return nil, err
	}
	return &Redis{Server: srv, Client: c}, nil
}

// DB opens another client, to database db, with the same options.
func (r *Redis) DB(db int) (redis.UniversalClient, error) {
	return redisconn.Open(fmt.Sprintf("redis://%s/%d", r.Server.Addr, db))
}

// Stop closes the client and kills the server.
func (r *Redis) Stop() {
	_ = r.Client.Close()
	r.Server.Stop()
}

// Version is the server's redis_version.
func (r *Redis) Version() string { return r.info("server")["redis_version"] }

// CPU is the server's used_cpu_user + used_cpu_sys so far.
func (r *Redis) CPU() time.Duration {
	f := r.info("cpu")
	u, _ := strconv.ParseFloat(f["used_cpu_user"], 64)
	s, _ := strconv.ParseFloat(f["used_cpu_sys"], 64)
	return time.Duration((u + s) * float64(time.Second))
}

// MemoryMB is the server's used_memory in MiB.
func (r *Redis) MemoryMB() float64 {
	n, _ := strconv.ParseFloat(r.info("memory")["used_memory"], 64)
	return round3(n / (1 << 20))
}

func (r *Redis) info(section string) map[string]string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := r.Client.Info(ctx, section).Result()
	out := map[string]string{}
	if err != nil {
		return out
	}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			out[k] = v
		}
	}
	return out
}
