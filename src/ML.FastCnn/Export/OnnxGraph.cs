using Google.Protobuf;
using Onnx;

namespace ML.FastCnn;

/// <summary>A small ONNX graph writer: float initializers and nodes with generated output names.</summary>
internal sealed class OnnxGraph
{
    private int _next;

    public GraphProto Graph { get; } = new() { Name = "FastCnn" };

    /// <summary>Adds a constant and returns its name.</summary>
    public string Constant(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return name;
    }

    private readonly Dictionary<float, string> _scalars = [];

    /// <summary>A 0-dimensional float constant (such as Clip's bounds), added once per value; returns its name.</summary>
    public string ScalarConstant(float value) =>
        _scalars.TryGetValue(value, out var name) ? name : _scalars[value] = Constant($"scalar_{_scalars.Count}", [value]);

    /// <summary>Adds a node and returns the name of its (single) output.</summary>
    public string Node(string op, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        string output = $"{op.ToLowerInvariant()}_{_next++}";
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>Gives the node that produces <paramref name="output"/> the output name <paramref name="name"/> (a graph output).</summary>
    public void NameOutput(string output, string name) => Graph.Node.Single(n => n.Output.Contains(output)).Output[0] = name;

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A float32 tensor value [batch, ...dims] with a symbolic batch dimension.</summary>
    public static ValueInfoProto FloatValue(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (var d in dims)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
