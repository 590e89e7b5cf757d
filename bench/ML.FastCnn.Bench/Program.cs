// ML.FastCnn's benchmarks: the measurements behind docs/benchmarks.md, each against a baseline run in the same
// process (a bare TorchSharp loop, ML.NET's own ResNet18 transfer learning, ONNX Runtime). Not tests: they print
// numbers for this machine. `dotnet run --project bench/ML.FastCnn.Bench -c Release -- --help` lists them.
using ML.FastCnn.Bench;

return BenchCommand.Create().Parse(args).Invoke();
