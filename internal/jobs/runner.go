package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jonboulle/clockwork"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/domain"
)

// RolloverJob is the name of the day rollover, in logs, reports and job_runs.
const RolloverJob = "rollover"

// MaxCatchUpDays bounds how many missed days one rollover finalises; after a
// longer outage the oldest days stay as they are.
const MaxCatchUpDays = 62

// JobFunc is a job's body. slot is the scheduled instant the run stands for
// (a run that starts late still gets its slot, not the time it started).
type JobFunc func(ctx context.Context, slot time.Time) error

// Job is a named piece of scheduled work.
type Job struct {
	// Name identifies the job across replicas: its lock and its job_runs rows.
	Name     string
	Schedule Schedule
	Run      JobFunc
	// CatchUp makes Runner.CatchUp run the job's latest slot at or before
	// now, unless it ran already (the timeline tick and the Oura sync want
	// one run at start-up, not every slot they missed).
	CatchUp bool
}

// Rollover is the day rollover: at every local midnight, and at CatchUp, it
// finalises each day from the one after LastFinalised through yesterday,
// oldest first, stopping at the first failure (later days build on it).
type Rollover struct {
	// Finalise closes day: its score and streaks. It must be idempotent,
	// since a crash between its commit and the slot's record repeats it.
	Finalise func(ctx context.Context, day domain.Day) error
	// LastFinalised is the latest finalised day; the zero Day when there is
	// none, and then only yesterday is finalised.
	LastFinalised func(ctx context.Context) (domain.Day, error)
}

// Outcome is what became of one attempt at a slot.
type Outcome string

// Outcomes.
const (
	OutcomeRan         Outcome = "ran"
	OutcomeFailed      Outcome = "failed"
	OutcomeSkippedDone Outcome = "skipped_done" // the slot already ran, here or on another replica
	OutcomeSkippedBusy Outcome = "skipped_busy" // another replica holds the job's lock
)

// Report describes one attempt, for metrics and tests. It is made once the
// attempt is over, its lock released.
type Report struct {
	Owner    string // the replica (Options.Owner)
	Job      string
	Slot     time.Time
	Outcome  Outcome
	Err      error
	Duration time.Duration // wall time of the body
}

// Options configure a Runner.
type Options struct {
	// Pool is the database holding job_runs. Nil runs without coordination:
	// right for a single process only.
	Pool *pgxpool.Pool
	// Clock drives the schedule; nil is the real clock.
	Clock clockwork.Clock
	// Location is the household's time zone (days, midnight, local slots);
	// nil is UTC.
	Location *time.Location
	Logger   zerolog.Logger
	// Owner names this replica in job_runs; empty is host:pid.
	Owner string
	// Retention is how long job_runs rows are kept; zero is 35 days.
	Retention time.Duration
	// OnReport, when set, hears of every attempt. It runs on the job's
	// goroutine and must not block.
	OnReport func(Report)
}

// Runner schedules LifeOps' jobs on gocron. Add jobs, CatchUp, Start; Stop.
type Runner struct {
	o     Options
	clock clockwork.Clock
	loc   *time.Location
	log   zerolog.Logger

	mu       sync.Mutex
	jobs     []Job
	rollover *Rollover
	state    int // stateNew, stateStarted, stateStopped
	sched    gocron.Scheduler
	lockPool *pgxpool.Pool
	lk       *locker
	// schedules are the jobs' schedules by name, fixed at Start, to name
	// the slot a busy attempt skipped.
	schedules map[string]Schedule

	lastMu sync.Mutex
	last   map[string]time.Time // latest slot attempted here, per job
}

const (
	stateNew = iota
	stateStarted
	stateStopped
)

// New returns a Runner; nothing runs until Start.
func New(o Options) *Runner {
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		o.Owner = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	if o.Retention <= 0 {
		o.Retention = 35 * 24 * time.Hour
	}
	return &Runner{o: o, clock: o.Clock, loc: o.Location, log: o.Logger, last: map[string]time.Time{}}
}

// Add registers a job; call it before Start.
func (r *Runner) Add(j Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.state != stateNew:
		return errors.New("add job: the runner has already started")
	case j.Name == "" || j.Name == RolloverJob:
		return fmt.Errorf("add job %q: a job needs a name of its own", j.Name)
	case j.Schedule == nil || j.Run == nil:
		return fmt.Errorf("add job %s: a job needs a schedule and a body", j.Name)
	}
	for _, have := range r.jobs {
		if have.Name == j.Name {
			return fmt.Errorf("add job %s: the name is taken", j.Name)
		}
	}
	r.jobs = append(r.jobs, j)
	return nil
}

// SetRollover registers the day rollover; call it before Start.
func (r *Runner) SetRollover(ro Rollover) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != stateNew {
		return errors.New("set rollover: the runner has already started")
	}
	if ro.Finalise == nil || ro.LastFinalised == nil {
		return errors.New("set rollover: Finalise and LastFinalised are both needed")
	}
	r.rollover = &ro
	return nil
}

// Start schedules every job. ctx only bounds start-up; the jobs run until
// Stop, with contexts that Stop cancels (carrying ctx's values).
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != stateNew {
		return errors.New("start jobs: the runner was started before")
	}
	opts := []gocron.SchedulerOption{gocron.WithClock(r.clock), gocron.WithLocation(r.loc)}
	if r.o.Pool != nil {
		if err := r.openLocks(ctx); err != nil {
			return err
		}
		opts = append(opts, gocron.WithDistributedLocker(r.lk))
	}
	sched, err := gocron.NewScheduler(opts...)
	if err != nil {
		r.closeLocks()
		return fmt.Errorf("start jobs: %w", err)
	}
	r.schedules = map[string]Schedule{RolloverJob: Daily(0, r.loc)}
	for _, j := range r.jobs {
		r.schedules[j.Name] = j.Schedule
	}
	jobCtx := context.WithoutCancel(ctx)
	add := func(name string, s Schedule, task func(context.Context) error) error {
		_, err := sched.NewJob(gocron.CronJob(name, false), gocron.NewTask(task),
			gocron.WithCronImplementation(cronSchedule{s: s, now: r.clock.Now}),
			gocron.WithName(name),
			// One run of a job at a time. Wait rather than Reschedule:
			// Reschedule drops a fire that lands while the previous run is
			// still unwinding inside gocron, after its body returned, which
			// no one outside gocron can see. A waiting fire instead runs
			// right after, finds its slot (or a later one), and a fire whose
			// slot already ran here is skipped by attempted, so an overrun
			// still costs no more than one run.
			gocron.WithSingletonMode(gocron.LimitModeWait),
			gocron.WithContext(jobCtx))
		if err != nil {
			return fmt.Errorf("start jobs: schedule %s: %w", name, err)
		}
		return nil
	}
	if r.rollover != nil {
		err = add(RolloverJob, r.schedules[RolloverJob], r.rolloverTask(r.lk))
	}
	for _, j := range r.jobs {
		if err == nil {
			err = add(j.Name, j.Schedule, r.jobTask(j, r.lk))
		}
	}
	if err != nil {
		_ = sched.Shutdown()
		r.closeLocks()
		return err
	}
	sched.Start()
	r.sched, r.state = sched, stateStarted
	return nil
}

// Stop stops scheduling and waits, within ctx, for running jobs. Stopping
// twice, or a runner never started, is fine.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != stateStarted {
		r.state = stateStopped
		return nil
	}
	r.state = stateStopped
	err := r.sched.ShutdownWithContext(ctx)
	r.closeLocks()
	if err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

// openLocks gives the locks a small pool of their own: a lock holds its
// connection for the whole run, and a body waiting for a connection that
// locks hold would wait forever.
func (r *Runner) openLocks(ctx context.Context) error {
	cfg := r.o.Pool.Config()
	cfg.MaxConns = int32(len(r.jobs) + 2)
	cfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("start jobs: lock pool: %w", err)
	}
	r.lockPool = pool
	r.lk = newLocker(pool, r.o.Owner, r.clock.Now, r.busy)
	return nil
}

func (r *Runner) closeLocks() {
	if r.lockPool != nil {
		r.lockPool.Close()
		r.lockPool, r.lk = nil, nil
	}
}

// cronSchedule plugs a Schedule into gocron as a custom cron implementation,
// its one hook for a computed next run.
type cronSchedule struct {
	s   Schedule
	now func() time.Time
}

func (c cronSchedule) IsValid(string, *time.Location, time.Time) error { return nil }

// Next is never now or earlier. gocron sometimes reschedules from an older
// time and steps forward only while the result is before now; landing
// exactly on now (a fake clock sits on the slot it just fired) would run the
// slot again at once.
func (c cronSchedule) Next(last time.Time) time.Time {
	if now := c.now(); last.Before(now) {
		last = now
	}
	return c.s.Next(last)
}

// jobTask is the gocron task of j: it finds the slot this run stands for and
// runs it, claimed under the lease lk (nil without a pool) took for it.
func (r *Runner) jobTask(j Job, lk *locker) func(context.Context) error {
	return func(ctx context.Context) error {
		l := lk.current(j.Name)
		slot, ok := lastSlot(j.Schedule, r.clock.Now())
		if !ok {
			return r.finish(ctx, l, nil)
		}
		if !r.firstAttempt(j.Name, slot) {
			return r.finish(ctx, l, []Report{{Owner: r.o.Owner, Job: j.Name, Slot: slot, Outcome: OutcomeSkippedDone}})
		}
		rep := r.runSlot(ctx, l, j.Name, slot, func(ctx context.Context) error { return j.Run(ctx, slot) })
		return r.finish(ctx, l, []Report{rep})
	}
}

func (r *Runner) rolloverTask(lk *locker) func(context.Context) error {
	return func(ctx context.Context) error {
		l := lk.current(RolloverJob)
		yesterday := domain.DayOf(r.clock.Now(), r.loc).Add(-1)
		if !r.firstAttempt(RolloverJob, yesterday.End(r.loc)) {
			return r.finish(ctx, l, []Report{{Owner: r.o.Owner, Job: RolloverJob, Slot: yesterday.End(r.loc), Outcome: OutcomeSkippedDone}})
		}
		reps := r.rollThrough(ctx, l, yesterday)
		return r.finish(ctx, l, reps)
	}
}

// firstAttempt reports whether slot is later than any slot of job this
// process attempted, and remembers it. It keeps a queued fire from repeating
// a slot here; across replicas job_runs does that.
func (r *Runner) firstAttempt(job string, slot time.Time) bool {
	r.lastMu.Lock()
	defer r.lastMu.Unlock()
	if last, ok := r.last[job]; ok && !slot.After(last) {
		return false
	}
	r.last[job] = slot
	return true
}

// finish ends an attempt: it lets go of the lock, then reports, and returns
// the first failure for gocron's counters.
func (r *Runner) finish(ctx context.Context, l *lease, reps []Report) error {
	var unlockErr error
	if l != nil {
		unlockErr = l.Unlock(ctx)
	}
	var first error
	for _, rep := range reps {
		r.report(rep)
		if first == nil {
			first = rep.Err
		}
	}
	if unlockErr != nil {
		r.log.Warn().Err(unlockErr).Msg("job unlock")
	}
	return first
}

// rollThrough finalises every unfinalised day up to and including through,
// and reports each attempt.
func (r *Runner) rollThrough(ctx context.Context, l *lease, through domain.Day) []Report {
	last, err := r.rollover.LastFinalised(ctx)
	if err != nil {
		return []Report{{Owner: r.o.Owner, Job: RolloverJob, Slot: through.End(r.loc), Outcome: OutcomeFailed,
			Err: fmt.Errorf("rollover: last finalised day: %w", err)}}
	}
	from := last.Add(1)
	if last.IsZero() {
		from = through
	}
	if oldest := through.Add(1 - MaxCatchUpDays); from.Before(oldest) {
		r.log.Warn().Str("job", RolloverJob).Stringer("from", from).Stringer("oldest", oldest).
			Msg("too many days to catch up; the oldest stay unfinalised")
		from = oldest
	}
	if from.After(through) {
		// Nothing to do, but say so: every attempt gets a report.
		return []Report{{Owner: r.o.Owner, Job: RolloverJob, Slot: through.End(r.loc), Outcome: OutcomeSkippedDone}}
	}
	var reps []Report
	for day := from; !day.After(through); day = day.Add(1) {
		// The slot of a day is the midnight that ends it.
		rep := r.runSlot(ctx, l, RolloverJob, day.End(r.loc), func(ctx context.Context) error { return r.rollover.Finalise(ctx, day) })
		reps = append(reps, rep)
		if rep.Err != nil {
			return reps // later days build on this one; they wait for the retry
		}
	}
	if l != nil {
		if err := l.prune(ctx, r.clock.Now().Add(-r.o.Retention)); err != nil {
			r.log.Warn().Err(err).Msg("prune job runs")
		}
	}
	return reps
}

// runSlot runs one slot, claimed first when there is a lease and recorded
// after, and says how it went.
func (r *Runner) runSlot(ctx context.Context, l *lease, job string, slot time.Time, run func(context.Context) error) Report {
	rep := Report{Owner: r.o.Owner, Job: job, Slot: slot}
	if l != nil {
		claimed, err := l.claim(ctx, job, slot)
		if err != nil {
			rep.Outcome, rep.Err = OutcomeFailed, err
			return rep
		}
		if !claimed {
			rep.Outcome = OutcomeSkippedDone
			return rep
		}
	}
	start := time.Now() // wall time for the duration, whatever clock drives the schedule
	err := run(ctx)
	rep.Duration = time.Since(start)
	if err != nil {
		err = fmt.Errorf("job %s at %s: %w", job, slot.In(r.loc).Format(time.RFC3339), err)
	}
	if l != nil {
		if ferr := l.finish(ctx, job, slot, err); ferr != nil && err == nil {
			err = ferr
		}
	}
	rep.Outcome = OutcomeRan
	if err != nil {
		rep.Outcome, rep.Err = OutcomeFailed, err
	}
	return rep
}

// busy hears from the locker that job's lock was taken elsewhere.
func (r *Runner) busy(job string) {
	rep := Report{Owner: r.o.Owner, Job: job, Outcome: OutcomeSkippedBusy}
	if s, ok := r.schedules[job]; ok {
		rep.Slot, _ = lastSlot(s, r.clock.Now())
	}
	r.report(rep)
}

// report logs an attempt (failures only above debug) and passes it on.
func (r *Runner) report(rep Report) {
	ev := r.log.Debug()
	if rep.Outcome == OutcomeFailed {
		ev = r.log.Error().Err(rep.Err)
	}
	ev.Str("job", rep.Job).Time("slot", rep.Slot).Str("outcome", string(rep.Outcome)).Dur("duration", rep.Duration).Msg("job run")
	if r.o.OnReport != nil {
		r.o.OnReport(rep)
	}
}

// CatchUp does at start-up what downtime skipped: it finalises every day
// from the last finalised one through yesterday, then runs the latest slot
// of each job marked CatchUp unless it ran already. Call it before Start;
// with a pool it is safe on every replica at once.
func (r *Runner) CatchUp(ctx context.Context) error {
	r.mu.Lock()
	jobs, ro, pool := r.jobs, r.rollover, r.o.Pool
	r.mu.Unlock()
	var lk *locker
	if pool != nil {
		// Before Start there is no lock pool; one connection at a time will do.
		lk = newLocker(pool, r.o.Owner, r.clock.Now, r.busy)
	}
	now := r.clock.Now()
	var errs []error
	// withLease runs fn under job's lock, then reports what it did.
	withLease := func(job string, slot time.Time, fn func(l *lease) []Report) {
		var l *lease
		if lk != nil {
			var err error
			l, err = lk.acquire(ctx, job)
			switch {
			case errors.Is(err, ErrBusy):
				// Another replica is catching up on it right now.
				r.report(Report{Owner: r.o.Owner, Job: job, Slot: slot, Outcome: OutcomeSkippedBusy})
				return
			case err != nil:
				errs = append(errs, err)
				return
			}
		}
		reps := fn(l)
		_ = r.finish(ctx, l, reps)
		for _, rep := range reps {
			errs = append(errs, rep.Err)
		}
	}
	if ro != nil {
		yesterday := domain.DayOf(now, r.loc).Add(-1)
		withLease(RolloverJob, yesterday.End(r.loc), func(l *lease) []Report {
			return r.rollThrough(ctx, l, yesterday)
		})
	}
	for _, j := range jobs {
		if !j.CatchUp {
			continue
		}
		slot, ok := lastSlot(j.Schedule, now)
		if !ok {
			continue
		}
		withLease(j.Name, slot, func(l *lease) []Report {
			return []Report{r.runSlot(ctx, l, j.Name, slot, func(ctx context.Context) error { return j.Run(ctx, slot) })}
		})
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("catch up: %w", err)
	}
	return nil
}
