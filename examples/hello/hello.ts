// The smallest WAGI handler: used by the benchmarks to measure the host, not the guest.
process.stdout.write('Content-Type: text/plain\n\nHello from the edge!\n');
