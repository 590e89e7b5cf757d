namespace ML.FastCnn;

/// <summary>
/// A random source for one sample, fixed by (seed, epoch, position): the same image in the same
/// epoch always draws the same augmentation, whichever worker thread renders it and when.
/// </summary>
internal static class SampleRandom
{
    public static Random For(int seed, int epoch, long position, int view = 0)
    {
        ulong x = (ulong)(uint)seed;
        x = Mix(x ^ (ulong)(uint)epoch << 32);
        x = Mix(x ^ (ulong)position);
        x = Mix(x ^ (ulong)(uint)view);
        return new Random((int)(x ^ (x >> 32)));
    }

    // SplitMix64's finaliser: a well-spread, platform-independent hash (HashCode is randomised per process).
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
