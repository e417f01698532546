// Drives kafka-go 0.2.1 (Debian's golang-github-segmentio-kafka-go-dev) for the client integration tests.
//
//	kafka-go produce -brokers host:port -topic t   < records.jsonl
//	kafka-go consume -brokers host:port -topic t -partitions 4 -count N
//
// produce reads one JSON record per line ({"key","value","timestamp"}; kafka-go 0.2 has no
// headers) and writes them all with one Writer (hash balancer, Produce v2 with magic 1 message
// sets). consume reads each partition from the first offset with a non-group Reader (Fetch v2,
// so the broker converts stored batches down to magic 1) until it has N records in all, and prints
// each as {"partition","offset","key","value","headers","timestamp"}.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	kafka "github.com/segmentio/kafka-go"
)

type record struct {
	Partition *int       `json:"partition,omitempty"`
	Offset    *int64     `json:"offset,omitempty"`
	Key       *string    `json:"key"`
	Value     *string    `json:"value"`
	Headers   [][]string `json:"headers"`
	Timestamp int64      `json:"timestamp"`
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: kafka-go produce|consume -brokers ... -topic ...")
	}
	mode := os.Args[1]
	flags := flag.NewFlagSet(mode, flag.ExitOnError)
	brokers := flags.String("brokers", "", "comma-separated bootstrap brokers")
	topic := flags.String("topic", "", "topic")
	partitions := flags.Int("partitions", 1, "partitions to read")
	count := flags.Int("count", 0, "records to consume")
	timeout := flags.Duration("timeout", 15*time.Second, "give up after this long")
	flags.Parse(os.Args[2:])
	addrs := strings.Split(*brokers, ",")
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	switch mode {
	case "produce":
		produce(ctx, addrs, *topic)
	case "consume":
		consume(ctx, addrs, *topic, *partitions, *count)
	default:
		fail("unknown mode " + mode)
	}
}

func produce(ctx context.Context, addrs []string, topic string) {
	w := kafka.NewWriter(kafka.WriterConfig{
		Brokers:      addrs,
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		BatchTimeout: 10 * time.Millisecond,
		RequiredAcks: 1,
	})
	var msgs []kafka.Message
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	for in.Scan() {
		var r record
		check(json.Unmarshal(in.Bytes(), &r), "input line")
		m := kafka.Message{Time: time.Unix(0, r.Timestamp*int64(time.Millisecond))}
		if r.Key != nil {
			m.Key = []byte(*r.Key)
		}
		if r.Value != nil {
			m.Value = []byte(*r.Value)
		}
		msgs = append(msgs, m)
	}
	check(in.Err(), "stdin")
	check(w.WriteMessages(ctx, msgs...), "WriteMessages")
	check(w.Close(), "Close")
}

func consume(ctx context.Context, addrs []string, topic string, partitions int, count int) {
	messages := make(chan kafka.Message)
	errs := make(chan error, partitions)
	for p := 0; p < partitions; p++ {
		r := kafka.NewReader(kafka.ReaderConfig{
			Brokers:   addrs,
			Topic:     topic,
			Partition: p,
			MinBytes:  1,
			MaxBytes:  1 << 20,
			MaxWait:   100 * time.Millisecond,
		})
		check(r.SetOffset(kafka.FirstOffset), "SetOffset")
		go func() {
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					errs <- err
					return
				}
				messages <- m
			}
		}()
	}
	out := json.NewEncoder(os.Stdout)
	for i := 0; i < count; i++ {
		select {
		case m := <-messages:
			p, o := m.Partition, m.Offset
			r := record{Partition: &p, Offset: &o, Key: str(m.Key), Value: str(m.Value), Headers: [][]string{}, Timestamp: m.Time.UnixNano() / int64(time.Millisecond)}
			check(out.Encode(r), "stdout")
		case err := <-errs:
			fail(fmt.Sprintf("after %d of %d records: %v", i, count, err))
		}
	}
	os.Exit(0)
}

func str(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

func check(err error, what string) {
	if err != nil {
		fail(what + ": " + err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "kafka-go:", msg)
	os.Exit(1)
}
