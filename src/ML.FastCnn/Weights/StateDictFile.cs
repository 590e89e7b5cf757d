using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Reads a PyTorch-style state dictionary (parameter name → tensor) from a file: PyTorch pickles
/// (<c>.pth</c>, <c>.pt</c>, <c>.bin</c>) and <c>.safetensors</c> through TorchSharp.PyBridge, and
/// TorchSharp's own <c>.dat</c> format (written by <c>Module.save</c>).
/// </summary>
internal static class StateDictFile
{
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Weight file '{path}' not found.", path);
        try
        {
            return Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".pth" or ".pt" or ".bin" => FromPickle(path),
                ".safetensors" => Safetensors.LoadStateDict(path),
                ".dat" => FromTorchSharp(path),
                var other => throw new NotSupportedException(
                    $"Weight file '{path}' has extension '{other}'. Use a PyTorch state_dict (.pth, .pt, .bin), .safetensors, or TorchSharp's .dat."),
            };
        }
        catch (Exception e) when (e is not (NotSupportedException or FileNotFoundException))
        {
            throw new InvalidDataException($"Weight file '{path}' cannot be read as a state dictionary: {e.Message}", e);
        }
    }

    private static Dictionary<string, Tensor> FromPickle(string path)
    {
        var table = PyTorchUnpickler.UnpickleStateDict(path);
        var state = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor tensor)
                state[name] = tensor;
        }
        return state;
    }

    // TorchSharp's Module.save: LEB128 count, then (name, tensor) pairs.
    private static Dictionary<string, Tensor> FromTorchSharp(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        long count = reader.Read7BitEncodedInt64(); // unsigned LEB128, as TorchSharp writes it
        var state = new Dictionary<string, Tensor>();
        for (long i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            state[name] = Tensor.Load(reader);
        }
        return state;
    }
}
