// Drives Sarama 1.22 (Debian's golang-github-shopify-sarama-dev) for the client integration tests.
//
//	sarama produce -brokers host:port -topic t [-version 0.8.2.0] [-compression lz4] [-idempotent]   < records.jsonl
//	sarama consume -brokers host:port -topic t -count N [-version 0.8.2.0]
//	sarama metadata -brokers host:port
//
// Security for every mode: -tls-ca ca.pem [-tls-cert c.pem -tls-key c.key] turns TLS on;
// -sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 -user u -password p turns SASL on (PLAIN with
// Sarama's default SaslHandshake v0 and bare tokens, SCRAM with v1 and SaslAuthenticate).
// metadata prints the topic names, or fails with the error Sarama reports.
//
// produce reads one JSON record per line ({"key","value","headers","timestamp"}), sends them with one
// SyncProducer.SendMessages (hash partitioner, acks=1) and prints {"key","partition","offset"} per record.
// -idempotent sets Producer.Idempotent, with what Sarama requires for it: acks=all, Net.MaxOpenRequests 1
// and -version 0.11.0.0 or later.
// consume reads every partition from the oldest offset with the simple (non-group) consumer until
// it has N records and prints each as {"partition","offset","key","value","headers","timestamp"}.
// The version picks the wire format (Sarama 1.22's produce_set.go): 0.8.2.0 = Produce v0 with magic 0
// and Fetch v0; 0.10.0.0 = magic 1 (timestamps); 1.0.0.0 = record batch v2 (headers).
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

type delivery struct {
	Key       *string `json:"key"`
	Partition int32   `json:"partition"`
	Offset    int64   `json:"offset"`
}

type record struct {
	Partition *int32     `json:"partition,omitempty"`
	Offset    *int64     `json:"offset,omitempty"`
	Key       *string    `json:"key"`
	Value     *string    `json:"value"`
	Headers   [][]string `json:"headers"`
	Timestamp int64      `json:"timestamp"`
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: sarama produce|consume -brokers ... -topic ...")
	}
	mode := os.Args[1]
	flags := flag.NewFlagSet(mode, flag.ExitOnError)
	brokers := flags.String("brokers", "", "comma-separated bootstrap brokers")
	topic := flags.String("topic", "", "topic")
	version := flags.String("version", "0.8.2.0", "Kafka version Sarama assumes")
	compression := flags.String("compression", "none", "none, gzip, snappy, lz4 or zstd (zstd needs -version 2.1.0)")
	count := flags.Int("count", 0, "records to consume")
	idempotent := flags.Bool("idempotent", false, "produce with Producer.Idempotent")
	timeout := flags.Duration("timeout", 15*time.Second, "give up after this long")
	tlsCA := flags.String("tls-ca", "", "CA certificate (PEM): turns TLS on")
	tlsCert := flags.String("tls-cert", "", "client certificate (PEM)")
	tlsKey := flags.String("tls-key", "", "client key (PEM)")
	mechanism := flags.String("sasl-mechanism", "", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512: turns SASL on")
	user := flags.String("user", "", "SASL user")
	password := flags.String("password", "", "SASL password")
	flags.Parse(os.Args[2:])

	config := sarama.NewConfig()
	v, err := sarama.ParseKafkaVersion(*version)
	check(err, "version")
	config.Version = v
	config.ClientID = "sarama-integration-test"
	config.Producer.Return.Successes = true
	config.Producer.RequiredAcks = sarama.WaitForLocal
	config.Producer.Partitioner = sarama.NewHashPartitioner
	codecs := map[string]sarama.CompressionCodec{"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP,
		"snappy": sarama.CompressionSnappy, "lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD}
	codec, ok := codecs[*compression]
	if !ok {
		fail("unknown compression " + *compression)
	}
	config.Producer.Compression = codec
	if *idempotent {
		config.Producer.Idempotent = true
		config.Producer.RequiredAcks = sarama.WaitForAll
		config.Net.MaxOpenRequests = 1
	}
	config.Consumer.Return.Errors = true
	if *tlsCA != "" {
		pem, err := ioutil.ReadFile(*tlsCA)
		check(err, "tls-ca")
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		config.Net.TLS.Enable = true
		config.Net.TLS.Config = &tls.Config{RootCAs: pool, ServerName: "localhost"}
		if *tlsCert != "" {
			pair, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
			check(err, "tls-cert")
			config.Net.TLS.Config.Certificates = []tls.Certificate{pair}
		}
	}
	if *mechanism != "" {
		config.Net.SASL.Enable = true
		config.Net.SASL.Mechanism = sarama.SASLMechanism(*mechanism)
		config.Net.SASL.User = *user
		config.Net.SASL.Password = *password
		if *mechanism != "PLAIN" {
			m := *mechanism
			config.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return newScramClient(m) }
		}
	}
	addrs := strings.Split(*brokers, ",")
	go func() {
		time.Sleep(*timeout)
		fail(fmt.Sprintf("timed out after %v (%s)", *timeout, mode))
	}()

	switch mode {
	case "produce":
		produce(addrs, *topic, config)
	case "consume":
		consume(addrs, *topic, *count, config)
	case "metadata":
		client, err := sarama.NewClient(addrs, config)
		check(err, "NewClient")
		topics, err := client.Topics()
		check(err, "Topics")
		check(json.NewEncoder(os.Stdout).Encode(topics), "stdout")
	default:
		fail("unknown mode " + mode)
	}
}

func produce(addrs []string, topic string, config *sarama.Config) {
	producer, err := sarama.NewSyncProducer(addrs, config)
	check(err, "NewSyncProducer")
	defer producer.Close()
	var msgs []*sarama.ProducerMessage
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	for in.Scan() {
		var r record
		check(json.Unmarshal(in.Bytes(), &r), "input line")
		msg := &sarama.ProducerMessage{Topic: topic, Timestamp: time.Unix(0, r.Timestamp*int64(time.Millisecond)), Metadata: r.Key}
		if r.Key != nil {
			msg.Key = sarama.StringEncoder(*r.Key)
		}
		if r.Value != nil {
			msg.Value = sarama.StringEncoder(*r.Value)
		}
		for _, h := range r.Headers {
			msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: []byte(h[0]), Value: []byte(h[1])})
		}
		msgs = append(msgs, msg)
	}
	check(in.Err(), "stdin")
	// One SendMessages call: the producer batches what it is given per partition, in order.
	check(producer.SendMessages(msgs), "SendMessages")
	out := json.NewEncoder(os.Stdout)
	for _, m := range msgs {
		check(out.Encode(delivery{Key: m.Metadata.(*string), Partition: m.Partition, Offset: m.Offset}), "stdout")
	}
}

func consume(addrs []string, topic string, count int, config *sarama.Config) {
	consumer, err := sarama.NewConsumer(addrs, config)
	check(err, "NewConsumer")
	partitions, err := consumer.Partitions(topic)
	check(err, "Partitions")
	messages := make(chan *sarama.ConsumerMessage)
	var wg sync.WaitGroup
	for _, p := range partitions {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		check(err, fmt.Sprintf("ConsumePartition %d", p))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case m, ok := <-pc.Messages():
					if !ok {
						return
					}
					messages <- m
				case e, ok := <-pc.Errors():
					if ok {
						fail(e.Error())
					}
				}
			}
		}()
	}
	out := json.NewEncoder(os.Stdout)
	for i := 0; i < count; i++ {
		m := <-messages
		r := record{Partition: &m.Partition, Offset: &m.Offset, Key: str(m.Key), Value: str(m.Value), Headers: [][]string{}}
		if !m.Timestamp.IsZero() {
			r.Timestamp = m.Timestamp.UnixNano() / int64(time.Millisecond)
		} else {
			r.Timestamp = -1
		}
		for _, h := range m.Headers {
			r.Headers = append(r.Headers, []string{string(h.Key), string(h.Value)})
		}
		check(out.Encode(r), "stdout")
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
	fmt.Fprintln(os.Stderr, "sarama:", msg)
	os.Exit(1)
}
