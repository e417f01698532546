// jetstream-peer is bench/peers.ts's NATS JetStream client, in Go with Debian's nats.go (built
// offline: GO111MODULE=off GOPATH=/usr/share/gocode), so that the peer is measured with its own
// fast client rather than through a slower one.
//
//	jetstream-peer -url nats://127.0.0.1:P -stream S publish -n N -size B [-rate R]
//	jetstream-peer -url nats://127.0.0.1:P -stream S consume -n N [-latency]
//
// Either mode first makes stream S (subject S, file storage) unless it exists.
// publish: N messages of B bytes to subject S with PublishAsync (at most 4,000 unacknowledged), as
// fast as acks allow or R per second (what is due every millisecond); each payload starts with the
// send time in Unix ms. Prints the elapsed ms once every ack is in.
// consume: an ordered consumer reads N messages of stream S from its start; prints the elapsed ms,
// or with -latency, as JSON, each message's receive time minus its send time (`latencies`, ms) and
// the span of the send times (`producedMs`), which gives the rate really published at. Prints
// "ready" on stderr once subscribed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	url := flag.String("url", nats.DefaultURL, "server")
	stream := flag.String("stream", "bench", "stream and subject")
	flag.Parse()
	if flag.NArg() < 1 {
		fail("usage: jetstream-peer [-url U] [-stream S] publish|consume ...")
	}
	nc, err := nats.Connect(*url)
	check(err)
	defer nc.Close()
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(4000))
	check(err)
	// both modes make the stream (file storage), so either may start first
	if _, err := js.AddStream(&nats.StreamConfig{Name: *stream, Subjects: []string{*stream}, Storage: nats.FileStorage}); err != nil && err != nats.ErrStreamNameAlreadyInUse {
		check(err)
	}
	switch flag.Arg(0) {
	case "publish":
		publish(js, *stream, flag.Args()[1:])
	case "consume":
		consume(js, *stream, flag.Args()[1:])
	default:
		fail("unknown mode " + flag.Arg(0))
	}
}

func publish(js nats.JetStreamContext, subject string, args []string) {
	fs := flag.NewFlagSet("publish", flag.ExitOnError)
	count := fs.Int("n", 1000000, "messages")
	size := fs.Int("size", 100, "payload bytes")
	rate := fs.Int("rate", 0, "messages per second (0: as fast as acks allow)")
	check(fs.Parse(args))
	n := *count
	padding := strings.Repeat("x", *size)
	send := func() {
		stamp := strconv.FormatInt(time.Now().UnixMilli(), 10)
		_, err := js.PublishAsync(subject, []byte(stamp+" "+padding[len(stamp)+1:]))
		check(err)
	}
	start := time.Now()
	if *rate == 0 {
		for i := 0; i < n; i++ {
			send()
		}
	} else {
		ticker := time.NewTicker(time.Millisecond)
		for sent := 0; sent < n; {
			<-ticker.C
			due := int(time.Since(start).Seconds() * float64(*rate))
			for ; sent < due && sent < n; sent++ {
				send()
			}
		}
		ticker.Stop()
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(60 * time.Second):
		fail("acks still pending after 60 s")
	}
	fmt.Printf("%.1f\n", float64(time.Since(start).Microseconds())/1000)
}

func consume(js nats.JetStreamContext, stream string, args []string) {
	fs := flag.NewFlagSet("consume", flag.ExitOnError)
	count := fs.Int("n", 1000000, "messages")
	latency := fs.Bool("latency", false, "print latencies instead of the elapsed time")
	check(fs.Parse(args))
	n := *count
	done := make(chan struct{})
	latencies := make([]float64, 0, n)
	var first, last int64
	seen := 0
	start := time.Now()
	sub, err := js.Subscribe(stream, func(m *nats.Msg) {
		if *latency {
			now := float64(time.Now().UnixMicro()) / 1000
			space := strings.IndexByte(string(m.Data[:16]), ' ')
			stamp, err := strconv.ParseInt(string(m.Data[:space]), 10, 64)
			check(err)
			if first == 0 {
				first = stamp
			}
			last = stamp
			latencies = append(latencies, now-float64(stamp))
		}
		seen++
		if seen == n {
			close(done)
		}
	}, nats.OrderedConsumer(), nats.DeliverAll())
	check(err)
	defer sub.Unsubscribe()
	fmt.Fprintln(os.Stderr, "ready")
	select {
	case <-done:
	case <-time.After(120 * time.Second):
		fail(fmt.Sprintf("read %d of %d messages in 120 s", seen, n))
	}
	if *latency {
		check(json.NewEncoder(os.Stdout).Encode(map[string]any{"latencies": latencies, "producedMs": last - first}))
	} else {
		fmt.Printf("%.1f\n", float64(time.Since(start).Microseconds())/1000)
	}
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "jetstream-peer:", message)
	os.Exit(1)
}
