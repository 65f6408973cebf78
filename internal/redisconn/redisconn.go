// Package redisconn opens the Redis client of every role from redis_url.
package redisconn

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Open connects to Redis from a URL: redis:// and rediss:// (single server),
// redis-sentinel://MASTER@h1:p1,h2:p2/DB (failover) and redis-cluster://h1:p1,h2:p2,h3:p3.
// The same client serves Rapport's keys and asynq, so every role sees one topology.
func Open(raw string) (redis.UniversalClient, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("redis_url: %w", err)
	}
	timeouts := func(o *redis.UniversalOptions) {
		o.DialTimeout = 5 * time.Second
		o.ReadTimeout = 5 * time.Second
		o.WriteTimeout = 5 * time.Second
	}
	switch u.Scheme {
	case "redis", "rediss":
		opt, err := redis.ParseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("redis_url: %w", err)
		}
		if opt.DialTimeout == 0 {
			opt.DialTimeout = 5 * time.Second
		}
		return redis.NewClient(opt), nil
	case "redis-cluster":
		o := &redis.UniversalOptions{Addrs: strings.Split(u.Host, ",")}
		if u.User != nil {
			o.Username = u.User.Username()
			o.Password, _ = u.User.Password()
		}
		timeouts(o)
		return redis.NewClusterClient(o.Cluster()), nil
	case "redis-sentinel":
		if u.User == nil || u.User.Username() == "" {
			return nil, fmt.Errorf("redis_url: redis-sentinel:// needs the master name: redis-sentinel://MASTER@h1:p1,h2:p2/DB")
		}
		o := &redis.UniversalOptions{Addrs: strings.Split(u.Host, ","), MasterName: u.User.Username()}
		o.SentinelPassword, _ = u.User.Password()
		if p := strings.Trim(u.Path, "/"); p != "" {
			db, err := strconv.Atoi(p)
			if err != nil {
				return nil, fmt.Errorf("redis_url: database %q is not a number", p)
			}
			o.DB = db
		}
		o.Password = u.Query().Get("password")
		timeouts(o)
		return redis.NewFailoverClient(o.Failover()), nil
	}
	return nil, fmt.Errorf("redis_url: unsupported scheme %q (redis, rediss, redis-sentinel, redis-cluster)", u.Scheme)
}
