package console

import "net/http"

// BaseRefreshed returns a channel that receives the kind of each walk over the base as it
// ends ("loyalty", "countries"). Call it before the first request.
func BaseRefreshed(h http.Handler) <-chan string {
	c := make(chan string, 16)
	h.(*handler).base.refreshed = c
	return c
}
