// Package jobs runs LifeOps' scheduled work on gocron/v2: the day rollover at
// local midnight, the minutely timeline tick, the Oura sync slots, and the
// catch-up after downtime.
//
// Every run stands for a slot, the scheduled instant it belongs to. With a
// PostgreSQL pool the runner makes replicas sharing one database run each
// slot once: a job runs under a session advisory lock named after it (gocron's
// distributed locker), and under that lock it claims its slot in the job_runs
// table. The lock alone would not do: replica A may finish the 00:00 rollover
// at 00:00:00.2 and release the lock before replica B, whose clock is a little
// behind, fires at 00:00:00.3; B then finds the slot claimed and skips it.
//
// The clock is injected (clockwork), so tests drive whole days, DST changes
// and downtime in milliseconds. The job bodies are app use cases; this
// package only decides when they run and that they run once.
package jobs
