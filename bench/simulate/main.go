// Command simulate measures `rapport simulate` over a whole base (issue 10): one occurrence
// of a campaign decided for every customer, without claiming, granting, rendering or sending.
// It prints one JSON object on stdout and a summary on stderr.
//
// It starts a redis-server (bench/internal/rig), loads -customers customers over 24 time
// zones through customers.Store.Apply, writes the holiday greeting of bench/holiday as it is
// (-campaign plain) or learning its variant, channel and time (-campaign learn: rig.Learn),
// and runs dryrun.Simulate, the code behind `rapport simulate`, on it.
//
// Usage: go run ./bench/simulate [-customers 1000000] [-campaign plain|learn] [-cpuprofile simulate.pprof]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/dryrun"
)

type params struct {
	Customers int    `json:"customers"`
	Campaign  string `json:"campaign"`
	PageSize  int    `json:"page_size"`
}

type report struct {
	Benchmark  string             `json:"benchmark"`
	Machine    rig.Machine        `json:"machine"`
	Params     params             `json:"params"`
	Seconds    float64            `json:"seconds"`
	PerS       float64            `json:"customers_per_s"`
	CPU        rig.Phase          `json:"cpu"`
	HeapMiB    float64            `json:"process_vm_hwm_mib"`
	Simulation *dryrun.Simulation `json:"simulation"`
}

func main() {
	var p params
	flag.IntVar(&p.Customers, "customers", 1_000_000, "customers in the base")
	flag.StringVar(&p.Campaign, "campaign", "learn", "plain | learn")
	flag.IntVar(&p.PageSize, "page", 1000, "profiles read per round trip")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the simulation to this file")
	flag.Parse()
	if err := run(p, *prof); err != nil {
		fmt.Fprintln(os.Stderr, "bench/simulate:", err)
		os.Exit(1)
	}
}

func run(p params, prof string) error {
	if p.Campaign != "plain" && p.Campaign != "learn" {
		return fmt.Errorf("-campaign %q: want plain or learn", p.Campaign)
	}
	ctx := context.Background()
	r, err := rig.StartRedis()
	if err != nil {
		return err
	}
	defer r.Stop()
	rep := report{Benchmark: "simulate", Params: p, Machine: rig.Facts(r.Version())}
	store := customers.NewStore(r.Client, customers.Options{})
	rig.Logf("loading %d customers over %d time zones...", p.Customers, len(rig.Zones))
	if err := rig.SeedZoned(ctx, store, p.Customers, 4); err != nil {
		return err
	}
	wall := time.Now().UTC().Truncate(time.Minute).Add(24 * time.Hour)
	files := rig.GreetingFiles(wall, false)
	if p.Campaign == "learn" {
		rig.Learn(files)
	}
	dir, err := rig.WriteConfig(files)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cat, err := rig.LoadCatalog(dir)
	if err != nil {
		return err
	}
	client := asynq.NewClientFromRedisClient(r.Client)
	defer client.Close()
	d, err := rig.NewDeliverer(cat, store, r.Client, client, noEmail{}, rig.Logger())
	if err != nil {
		return err
	}
	stop, err := rig.Profile(prof)
	if err != nil {
		return err
	}
	rig.Logf("simulating the %s greeting over %d customers...", p.Campaign, p.Customers)
	meter := rig.StartCPU(r)
	start := time.Now()
	sim, err := dryrun.Simulate(ctx, d, store, rig.GreetingID, wall.Add(-48*time.Hour), p.PageSize)
	elapsed := time.Since(start)
	rep.CPU = meter.Stop()
	stop()
	if err != nil {
		return err
	}
	rep.Simulation = sim
	rep.Seconds = rig.Round(elapsed.Seconds())
	rep.PerS = rig.Round(float64(sim.Customers) / elapsed.Seconds())
	hwm, _ := rig.ProcStatus(os.Getpid())
	rep.HeapMiB = rig.Round(float64(hwm) / (1 << 20))
	rig.Logf("simulate: %d customers in %.1fs (%.0f/s), %d would be sent; go %.2f + redis %.2f cores",
		sim.Customers, elapsed.Seconds(), rep.PerS, sim.WouldSend, rep.CPU.GoCores, rep.CPU.RedisCores)
	if sim.Customers != int64(p.Customers) {
		defer os.Exit(1)
		rig.Logf("FAILED: %d customers simulated of %d", sim.Customers, p.Customers)
	}
	return rig.PrintJSON(rep)
}

// noEmail refuses email: a simulation sends nothing, and a send reaching it is a bug.
type noEmail struct{}

func (noEmail) SendEmail(context.Context, *channels.Email) (channels.Receipt, error) {
	return channels.Receipt{}, fmt.Errorf("a simulation sends nothing: %w", channels.ErrConfig)
}
func (noEmail) Close() error { return nil }
