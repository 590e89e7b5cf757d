// ML.FastCnn's command line. Without arguments it runs the main job — fast.ai's lesson 1 on the
// Fashion-MNIST sample in data/ — and `train`, `lr-find`, `evaluate`, `interpret`, `predict` do the same for
// your own folders; `export`, `serve` and `doctor` deploy and check. The benchmarks are a program of their own
// (bench/ML.FastCnn.Bench). See README.md.
using System.CommandLine;
using ML.FastCnn.Samples;

var root = new RootCommand("ML.FastCnn: fast.ai-style image classification in ML.NET. Without a command: fast.ai's lesson 1 on the sample data.");
var output = CommonOptions.OutputOption("fastcnn-output");
root.Add(output);
root.SetAction(result => CliErrors.Run(() => Lesson1.Run(SampleData.FashionMnistFolder(), result.GetRequiredValue(output))));
root.Add(TrainCommand.Create());
root.Add(LearningRateFinderCommand.Create());
root.Add(EvaluateCommand.Create());
root.Add(InterpretCommand.Create());
root.Add(PredictCommand.Create());
root.Add(ExportCommand.Create());
root.Add(ServeCommand.Create());
root.Add(DoctorCommand.Create());
return root.Parse(args).Invoke();
