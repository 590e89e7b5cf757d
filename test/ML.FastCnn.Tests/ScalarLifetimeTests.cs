using Mono.Cecil;
using Mono.Cecil.Cil;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>
/// TorchSharp 0.107 frees a Scalar in its finalizer while libtorch may still read it
/// (docs/torchsharp-scalar-lifetimes.md), so no call from the library into TorchSharp may create one
/// that nothing keeps alive: not an implicit conversion at our call site, nor one hidden inside the
/// TorchSharp method we call (<c>add_(tensor)</c> makes an implicit <c>alpha = 1</c>), nor a TorchSharp
/// module or optimizer whose <c>forward</c>/<c>step</c> makes one. This reads the compiled library
/// (and TorchSharp's IL) and lists every such call with its source line.
/// </summary>
[TestClass]
public sealed class ScalarLifetimeTests
{
    private const int Depth = 4; // how deep into TorchSharp's own calls a hidden conversion is looked for

    [TestMethod]
    public void TheLibraryPassesLibTorchNoScalarThatNothingKeepsAlive()
    {
        var path = typeof(FastCnn).Assembly.Location;
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(path)!);
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { AssemblyResolver = resolver, ReadSymbols = true });
        var scan = new HiddenScalars();

        var offenders = new List<string>();
        int torchSharpCalls = 0;
        foreach (var method in module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody))
        {
            foreach (var instruction in method.Body.Instructions)
            {
                if (instruction.Operand is not MethodReference called || called.DeclaringType.Scope.Name != "TorchSharp")
                    continue;
                torchSharpCalls++;
                string? why = scan.Why(called, created: instruction.OpCode != OpCodes.Call || !called.Resolve()!.IsConstructor);
                if (why is null)
                    continue;
                var point = method.DebugInformation.GetSequencePoint(instruction)
                    ?? method.DebugInformation.SequencePoints.LastOrDefault(p => p.Offset <= instruction.Offset);
                string where = point is null ? "(no source)" : $"{Path.GetFileName(point.Document.Url)}:{point.StartLine}";
                offenders.Add($"{where} {method.DeclaringType.Name}.{method.Name}: {called.DeclaringType.Name}.{called.Name} — {why}");
            }
        }

        Assert.IsTrue(torchSharpCalls > 100, "the scan sees the library's TorchSharp calls");
        Assert.AreEqual(0, offenders.Count, "Scalars nothing keeps alive (use an explicit `using var s = x.ToScalar()` or KeptAliveScalars, and overloads that take every Scalar):\n"
            + string.Join('\n', offenders.Distinct()));
    }

    [TestMethod]
    public void TheScanFindsWhatStockTorchSharpDoes()
    {
        var torchSharp = typeof(TorchSharp.torch).Assembly.Location;
        using var module = ModuleDefinition.ReadModule(torchSharp);
        var types = module.GetTypes().ToDictionary(t => t.FullName);
        MethodDefinition Find(string type, string name, params string[] parameters) => types[type].Methods.Single(m =>
            m.Name == name && m.Parameters.Count == parameters.Length
            && m.Parameters.Zip(parameters).All(p => p.First.ParameterType.FullName.Replace("TorchSharp.", "").Replace("System.", "") == p.Second));
        var scan = new HiddenScalars();

        var stock = new[]
        {
            Find("TorchSharp.torch/Tensor", "add_", "torch/Tensor"), // alpha = 1, implicit
            Find("TorchSharp.torch/Tensor", "add_", "Scalar"),
            Find("TorchSharp.torch/nn", "BatchNorm2d", "Int64", "Double", "Double", "Boolean", "Boolean", "torch/Device", "Nullable`1<torch/ScalarType>"),
            Find("TorchSharp.torch/optim", "AdamW", "Collections.Generic.IEnumerable`1<Modules.Parameter>", "Double", "Double", "Double", "Double", "Double", "Boolean", "Boolean"),
        };
        foreach (var method in stock)
            Assert.IsNotNull(scan.Why(method), $"{method.FullName} makes a Scalar temporary; the scan must see it");
        Assert.IsNull(scan.Why(Find("TorchSharp.torch/Tensor", "add_", "torch/Tensor", "Scalar")), "add_(tensor, alpha) with an explicit alpha makes none");
    }

    [TestMethod]
    public void OurBatchNormComputesWhatTorchSharpsDoesWithTheSameStateDict()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var stock = nn.BatchNorm2d(4);
        using var ours = ScalarSafeBatchNorm.For2d(4);
        CollectionAssert.AreEqual(stock.state_dict().Keys.ToArray(), ours.state_dict().Keys.ToArray(), "same parameter and buffer names");
        stock.train();
        ours.train();
        for (int i = 0; i < 3; i++)
        {
            var x = randn(8, 4, 5, 5);
            Assert.IsTrue(stock.forward(x).allclose(ours.forward(x), rtol: 0, atol: 0), $"training step {i}: same output");
        }
        foreach (var (name, value) in stock.state_dict())
            Assert.IsTrue(value.allclose(ours.state_dict()[name], rtol: 0, atol: 0), $"{name}: same running statistics and count");
        stock.eval();
        ours.eval();
        var y = randn(2, 4, 5, 5);
        Assert.IsTrue(stock.forward(y).allclose(ours.forward(y), rtol: 0, atol: 0), "same output in evaluation mode");
    }

    [TestMethod]
    [DataRow(OptimizerKind.AdamW)]
    [DataRow(OptimizerKind.Sgd)]
    public void OurOptimizerStepsMatchTorchSharps(OptimizerKind kind)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        using var stockModel = nn.Linear(6, 3);
        using var ourModel = nn.Linear(6, 3);
        ourModel.load_state_dict(stockModel.state_dict());
        optim.Optimizer Create(Linear model, bool ours)
        {
            // Two groups as the learner makes them: weights with decay, biases without; rates as a schedule sets them.
            var (w, b) = (new List<Parameter> { model.weight! }, new List<Parameter> { model.bias! });
            return kind == OptimizerKind.AdamW
                ? ours
                    ? new ScalarSafeAdamW([new(w, 1e-2, 0.9, 0.99, 1e-5, 0.1, false, false), new(b, 3e-3, 0.9, 0.99, 1e-5, 0, false, false)], 0.9, 0.99, 1e-5)
                    : optim.AdamW([new AdamW.ParamGroup(w, 1e-2, 0.9, 0.99, 1e-5, 0.1, false, false), new AdamW.ParamGroup(b, 3e-3, 0.9, 0.99, 1e-5, 0, false, false)])
                : ours
                    ? new ScalarSafeSgd([new(w, 1e-2, 0.9, 0, 0.1, false, false), new(b, 3e-3, 0.9, 0, 0, false, false)], 0.9)
                    : optim.SGD([new SGD.ParamGroup(w, 1e-2, 0.9, 0, 0.1, false, false), new SGD.ParamGroup(b, 3e-3, 0.9, 0, 0, false, false)], 0.01);
        }
        using var stockOptimizer = Create(stockModel, ours: false);
        using var ourOptimizer = Create(ourModel, ours: true);
        for (int step = 0; step < 5; step++)
        {
            var x = randn(4, 6);
            foreach (var (model, optimizer) in new[] { (stockModel, stockOptimizer), (ourModel, ourOptimizer) })
            {
                optimizer.zero_grad();
                model.forward(x).pow(2).sum().backward();
                optimizer.step();
            }
        }
        foreach (var (name, value) in stockModel.state_dict())
            Assert.IsTrue(value.allclose(ourModel.state_dict()[name], rtol: 1e-5, atol: 1e-7), $"{kind} {name}: same parameters after 5 steps");
    }

    /// <summary>Which TorchSharp methods make a Scalar temporary, directly or through the calls they make.</summary>
    private sealed class HiddenScalars
    {
        private readonly Dictionary<string, string?> _memo = [];

        /// <param name="called">A TorchSharp method the library calls.</param>
        /// <param name="created">False for a base-constructor call from our subclass (which overrides what it runs).</param>
        public string? Why(MethodReference called, bool created = true)
        {
            if (IsImplicitScalar(called))
                return "implicit conversion to Scalar";
            if (called.Resolve() is not { } method)
                return null;
            if (Hidden(method, Depth) is { } inside)
                return $"makes a Scalar inside ({inside})";
            // A module or optimizer we create: its forward or step will run on the training thread.
            if ((method.IsConstructor && created) || (method.IsStatic && method.ReturnType.Resolve() is { } t && t.Module.Assembly.Name.Name == "TorchSharp"))
            {
                var type = method.IsConstructor ? method.DeclaringType : method.ReturnType.Resolve();
                foreach (var name in new[] { "forward", "step" })
                    if (Override(type, name) is { } run && Hidden(run, Depth) is { } inRun)
                        return $"its {name} makes a Scalar inside ({inRun})";
            }
            return null;
        }

        private static bool IsImplicitScalar(MethodReference m) =>
            m.Name == "op_Implicit" && m.ReturnType.FullName == "TorchSharp.Scalar";

        private static MethodDefinition? Override(TypeDefinition? type, string name)
        {
            for (; type is not null; type = type.BaseType?.Resolve())
            {
                if (type.Module.Assembly.Name.Name != "TorchSharp")
                    return null; // our own subclass overrides: checked as our code
                var found = type.Methods.FirstOrDefault(m => m.Name == name && m.HasBody && !m.IsAbstract);
                if (found is not null)
                    return found;
            }
            return null;
        }

        private string? Hidden(MethodDefinition method, int depth)
        {
            if (!method.HasBody || method.Module.Assembly.Name.Name != "TorchSharp")
                return null;
            string key = method.FullName;
            if (_memo.TryGetValue(key, out var known))
                return known;
            _memo[key] = null; // recursion guard
            string? found = null;
            foreach (var instruction in method.Body.Instructions)
            {
                if (instruction.Operand is not MethodReference inner)
                    continue;
                if (IsImplicitScalar(inner))
                {
                    found = method.Name;
                    break;
                }
                if (depth > 0 && inner.Resolve() is { } next && Hidden(next, depth - 1) is { } deeper)
                {
                    found = $"{method.Name} → {deeper}";
                    break;
                }
            }
            return _memo[key] = found;
        }
    }
}
