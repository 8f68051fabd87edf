package sensors

import "github.com/prometheus/client_golang/prometheus"

var (
	descQueueDepth = prometheus.NewDesc("lifeops_sensor_queue_depth", "Sensor readings waiting to be written.", nil, nil)
	descQueueCap   = prometheus.NewDesc("lifeops_sensor_queue_capacity", "Size of the sensor readings queue.", nil, nil)
	descReadings   = prometheus.NewDesc("lifeops_sensor_readings_total",
		"Sensor readings by outcome: received (queued), stored (a change), unchanged (repeats the stored state), dropped (queue full).", []string{"outcome"}, nil)
	descBatches     = prometheus.NewDesc("lifeops_sensor_batches_total", "Committed batches of sensor readings.", nil, nil)
	descWriteErrors = prometheus.NewDesc("lifeops_sensor_write_errors_total", "Failed attempts to write a batch of readings (each is retried).", nil, nil)
	descObserveErrs = prometheus.NewDesc("lifeops_sensor_observe_errors_total", "Stored readings the evidence rules failed to take.", nil, nil)
	descMalformed   = prometheus.NewDesc("lifeops_sensor_malformed_total", "Refused sensor payloads by topic kind and reason.", []string{"kind", "reason"}, nil)
	descMessages    = prometheus.NewDesc("lifeops_sensor_messages_total",
		"Sensor messages not turned into readings: unselected (no one chose the device), redelivered (a QoS 1 message sent again after its readings were stored), dropped (queue full).", []string{"outcome"}, nil)
)

// Collector exposes the ingester's and the source's counters to
// Prometheus; src may be nil (no MQTT).
type Collector struct {
	ing *Ingester
	src *Source
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector over ing and src.
func NewCollector(ing *Ingester, src *Source) *Collector { return &Collector{ing: ing, src: src} }

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueueDepth, descQueueCap, descReadings, descBatches, descWriteErrors, descObserveErrs, descMalformed, descMessages} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.ing.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descQueueDepth, float64(st.QueueDepth))
	gauge(descQueueCap, float64(st.QueueCapacity))
	counter(descReadings, st.Received, "received")
	counter(descReadings, st.Stored, "stored")
	counter(descReadings, st.Unchanged, "unchanged")
	counter(descReadings, st.Dropped, "dropped")
	counter(descBatches, st.Batches)
	counter(descWriteErrors, st.WriteErrors)
	counter(descObserveErrs, st.ObserveErrors)
	counter(descMessages, st.Redelivered, "redelivered")
	if c.src == nil {
		return
	}
	ss := c.src.Stats()
	for k, rs := range ss.Malformed {
		for r, n := range rs {
			counter(descMalformed, n, string(k), string(r))
		}
	}
	counter(descMessages, ss.Unselected, "unselected")
	counter(descMessages, ss.Dropped, "dropped")
}
