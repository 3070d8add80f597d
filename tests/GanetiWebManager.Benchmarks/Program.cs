using GanetiWebManager.Benchmarks;

// ./build.sh bench           the full benchmark (10 and 20 clusters of 5,000 instances, ...)
// ./build.sh test            runs it with --short (2 clusters of 2,000 instances) as one of its stages
// serve-fakes                internal: the child process that hosts the fake clusters
return args is ["serve-fakes", .. var rest]
    ? await FakeFarm.ServeAsync(rest)
    : await BenchmarkRunner.RunAsync(args);
