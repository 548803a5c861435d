// Preloaded into a measured process (`node --import maxrss.mjs …`): prints its peak RSS (worker
// threads included: they share the process) on stderr when it exits.
process.on('exit', () => {
  process.stderr.write(`\nMAXRSS_KB ${process.resourceUsage().maxRSS}\n`);
});
