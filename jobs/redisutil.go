package jobs

import (
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

func redisSetNX(ttl time.Duration) redis.SetArgs {
	return redis.SetArgs{Mode: "NX", TTL: ttl}
}

func isRedisNil(err error) bool { return errors.Is(err, redis.Nil) }
