package redisbroker

import "github.com/redis/go-redis/v9"

func xaddArgs(stream, v string) *redis.XAddArgs {
	return &redis.XAddArgs{Stream: stream, Values: []string{"d", v}}
}
