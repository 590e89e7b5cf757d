using Microsoft.ML;
using static TorchSharp.torch;

namespace ML.FastCnn.Tests;

/// <summary>The tasks' losses, target scaling and predictions, against the formulas computed here in plain C#.</summary>
[TestClass]
public sealed class TaskDefinitionTests
{
    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(0.1)]
    public void MultiLabelLossIsBinaryCrossEntropyWithTargetsPulledTowardsOneHalf(double smoothing)
    {
        var task = new MultiLabelTask(["a", "b", "c"]);
        float[] logits = [2f, -1f, 0.5f, -3f, 0.2f, 1.5f];
        float[][] targets = [[1, 0, 1], [0, 0, 1]];
        using var scope = NewDisposeScope();
        double loss = task.Loss(tensor(logits, [2, 3]), task.Targets(targets, CPU), sum: false, smoothing).item<float>();

        double expected = 0;
        for (int i = 0; i < 6; i++)
        {
            double t = targets[i / 3][i % 3] * (1 - smoothing) + smoothing / 2, p = Sigmoid(logits[i]);
            expected -= t * Math.Log(p) + (1 - t) * Math.Log(1 - p);
        }
        Assert.AreEqual(expected / 6, loss, 1e-5);
        double summed = task.Loss(tensor(logits, [2, 3]), task.Targets(targets, CPU), sum: true, smoothing).item<float>();
        Assert.AreEqual(expected / 3, summed, 1e-5, "summed over rows, each row the mean over its classes");
    }

    [TestMethod]
    public void MultiLabelPredictionsAreSigmoidsAndDecisionsAreTakenAtOneHalf()
    {
        var task = new MultiLabelTask(["a", "b"]);
        var predictions = task.Predictions([0f, 2f, -1f, 0.1f]);
        Assert.AreEqual(0.5, predictions[0][0], 1e-6);
        Assert.AreEqual(Sigmoid(2), predictions[0][1], 1e-6);
        Assert.AreEqual(Sigmoid(0.1), predictions[1][1], 1e-6);
        using var scope = NewDisposeScope();
        var (right, decisions) = task.Decisions(tensor(new[] { 0.3f, -2f, -0.1f, 4f }, [2, 2]), task.Targets([[1, 0], [1, 1]], CPU))!.Value;
        Assert.AreEqual(4, decisions);
        Assert.AreEqual(3, right.item<long>(), "row 2's first class (logit −0.1, p < 0.5) is the one wrong decision");
        CollectionAssert.AreEqual(new[] { 1 }, MultiLabelTask.Predicted([0.2f, 0.7f, 0.6f], [0.5f, 0.5f, 0.6f]).ToArray(), "above the threshold, not at it");
    }

    [TestMethod]
    public void RegressionTrainsOnTargetsScaledToUnitSpreadAndPredictsInTheirUnits()
    {
        var ml = new MLContext(seed: 1);
        float[] values = [10, 20, 30, 40, 50];
        var data = ml.Data.LoadFromEnumerable(values.Select(v => new { Label = v }));
        var unfitted = LabelColumn.Bind(data.Schema, "Label", ImageTask.Auto, null, RegressionLoss.MeanSquaredError);
        var (rows, fitted) = unfitted.Scan(data, data.Schema["Label"], "training data", training: true);
        Assert.AreEqual(5, rows);
        var task = (RegressionTask)fitted;
        double mean = values.Average(), std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        Assert.AreEqual(mean, task.Offset[0], 1e-4);
        Assert.AreEqual(std, task.Scale[0], 1e-4);

        using var scope = NewDisposeScope();
        var targets = task.Targets(values.Select(v => new[] { v }).ToArray(), CPU).data<float>().ToArray();
        CollectionAssert.AreEqual(values.Select(v => (float)((v - mean) / std)).ToArray(), targets, new FloatComparer(1e-5f));
        Assert.AreEqual(30 + 0.5 * std, task.Predictions([0.5f])[0][0], 1e-3, "an output of 0.5 is half a standard deviation above the mean");
        double loss = task.Loss(tensor(new[] { 0.5f, -1f }, [2, 1]), tensor(new[] { 0f, 1f }, [2, 1]), sum: false, 0).item<float>();
        Assert.AreEqual((0.25 + 4) / 2, loss, 1e-6, "mean squared error");
    }

    [TestMethod]
    public void WithAYRangeOutputsGoThroughAScaledSigmoid()
    {
        var task = RegressionTask.Create(["age"], new ValueRange(0, 100), RegressionLoss.MeanAbsoluteError);
        Assert.AreEqual(100 * Sigmoid(1.2), task.Predictions([1.2f])[0][0], 1e-3);
        using var scope = NewDisposeScope();
        var target = task.Targets([[25f]], CPU);
        Assert.AreEqual(0.25f, target.item<float>(), 1e-6f);
        double loss = task.Loss(tensor(new[] { 0f }, [1, 1]), target, sum: false, 0).item<float>();
        Assert.AreEqual(0.25, loss, 1e-6, "|sigmoid(0) − 0.25| in the range's units of one");
    }

    private sealed class FloatComparer(float tolerance) : System.Collections.IComparer
    {
        public int Compare(object? x, object? y) => Math.Abs((float)x! - (float)y!) <= tolerance ? 0 : 1;
    }
}
