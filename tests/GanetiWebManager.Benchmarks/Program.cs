using GanetiWebManager.Benchmarks;

// ./build.sh bench           the full benchmark (10 and 20 clusters of 5,000 instances, ...)
// ./build.sh test            runs it with --short (2 clusters of 2,000 instances) as one of its stages
// --console                  only the console relay benchmark (issue 6 §5; part of the full and --short runs too)
// --actions                  only the action submission benchmark (issue 5 §8; part of the full and --short runs too)
// serve-fakes                internal: the child process that hosts the fake clusters
// serve-relay PORT           internal: the child process that runs the console relay's pump towards PORT
return args switch
{
    ["serve-fakes", .. var rest] => await FakeFarm.ServeAsync(rest),
    ["serve-relay", .. var rest] => await ConsoleBenchmark.ServeRelayAsync(rest),
    _ => await BenchmarkRunner.RunAsync(args),
};
