// TorchSharp 0.107: an implicit double/int -> Scalar temporary can be finalized while libtorch reads it.
// Trains TorchVision's resnet18 with AdamW on random data while another thread forces garbage
// collections. Stock TorchSharp fails within a few steps with errors such as
// "Scalar toFloat: Expected false to be true" or "alpha must not be a floating point number".
// Usage: dotnet run -c Release [-- steps [--no-pressure]]
using TorchSharp;
using static TorchSharp.torch;

int steps = args.Length > 0 && int.TryParse(args[0], out var s) ? s : 400;
bool pressure = !args.Contains("--no-pressure");
torch.random.manual_seed(0);
var model = torchvision.models.resnet18(num_classes: 10);
var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
using var input = randn(32, 3, 32, 32);
using var labels = randint(0, 10, [32]);

using var stop = new CancellationTokenSource();
long collections = 0;
var collector = new Thread(() =>
{
    while (pressure && !stop.IsCancellationRequested)
    {
        GC.KeepAlive(new byte[1 << 16]);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        collections++;
    }
}) { IsBackground = true };
collector.Start();

int step = 0;
try
{
    model.train();
    for (; step < steps; step++)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.forward(input), labels);
        loss.backward();
        optimizer.step();
    }
    Console.WriteLine($"completed {step} steps; {collections} induced collections");
    return 0;
}
catch (Exception e)
{
    Console.WriteLine($"failed at step {step} after {collections} induced collections: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    return 1;
}
finally
{
    stop.Cancel();
}
