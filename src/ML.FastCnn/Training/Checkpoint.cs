using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ML.FastCnn;

/// <summary>
/// Everything a fit needs to go on exactly where it stopped: its shape (epochs, batches per epoch),
/// the epochs done, the learner's epoch counter (which seeds shuffling and augmentation), the
/// network's weights and BatchNorm statistics, the optimizer's state and the dropout generator's.
/// The schedule needs nothing: it is a function of progress.
/// </summary>
internal static class Checkpoint
{
    private const string Magic = "FASTCNN-CHECKPOINT";
    private const int Version = 1;

    /// <summary>What a checkpoint says about the fit it came from, and its saved state to restore.</summary>
    internal sealed record State(int Epochs, int BatchesPerEpoch, int EpochsDone, int EpochsRun, byte[] Weights, byte[] Optimizer, byte[] Random);

    public static void Write(string path, FitContext context, int epochsRun)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(context.Epochs);
            writer.Write(context.BatchesPerEpoch);
            writer.Write(context.Epoch + 1);
            writer.Write(epochsRun);
            WriteBlock(writer, w => context.Model.SaveWeights(w));
            WriteBlock(writer, w => ((OptimizerHelper)context.Optimizer).save_state_dict(w));
            using var random = context.Model.Network.Random.get_state();
            writer.Write(random.bytes.Length);
            writer.Write(random.bytes.ToArray());
        });
    }

    public static State Read(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new FileNotFoundException($"Checkpoint '{full}' does not exist.", full);
        try
        {
            using var reader = new BinaryReader(File.OpenRead(full));
            if (reader.ReadString() != Magic)
                throw new InvalidDataException("it is not a FastCnn checkpoint (written by ModelCheckpoint)");
            int version = reader.ReadInt32();
            if (version != Version)
                throw new InvalidDataException($"it has checkpoint format {version}; this ML.FastCnn reads {Version}");
            var state = new State(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(),
                ReadBlock(reader), ReadBlock(reader), ReadBlock(reader));
            if (reader.BaseStream.Position != reader.BaseStream.Length)
                throw new InvalidDataException("it has data after its end");
            return state;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException and not FileNotFoundException)
        {
            throw new InvalidDataException($"Checkpoint '{full}' cannot be read: {(e is EndOfStreamException ? "it is cut short" : e.Message)}. Write it again (ModelCheckpoint) or resume from another one.", e);
        }
    }

    /// <summary>Restores the weights, optimizer and generator saved in <paramref name="state"/>.</summary>
    public static void Restore(State state, ImageClassifier model, optim.Optimizer optimizer)
    {
        using (var weights = new BinaryReader(new MemoryStream(state.Weights)))
            model.Network.load(weights);
        using (var optimizerState = new BinaryReader(new MemoryStream(state.Optimizer)))
            ((OptimizerHelper)optimizer).load_state_dict(optimizerState);
        using var random = tensor(state.Random, dtype: ScalarType.Byte);
        model.Network.Random.set_state(random);
    }

    private static void WriteBlock(BinaryWriter writer, Action<BinaryWriter> write)
    {
        using var block = new MemoryStream();
        using (var blockWriter = new BinaryWriter(block, System.Text.Encoding.UTF8, leaveOpen: true))
            write(blockWriter);
        writer.Write((int)block.Length);
        writer.Write(block.GetBuffer(), 0, (int)block.Length);
    }

    private static byte[] ReadBlock(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new EndOfStreamException();
        return reader.ReadBytes(length);
    }
}
