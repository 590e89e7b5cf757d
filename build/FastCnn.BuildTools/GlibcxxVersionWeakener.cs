using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace FastCnn.BuildTools;

/// <summary>
/// Lets TorchSharp 0.107's <c>libLibTorchSharp.so</c> load where the system libstdc++ predates
/// GCC 13 (Debian 12, Ubuntu 22.04). The library asks for symbol version <c>GLIBCXX_3.4.32</c>
/// only for <c>std::ios_base_library_init()</c>, which it never calls through a relocation;
/// marking that one requirement weak (<c>VER_FLG_WEAK</c> in <c>.gnu.version_r</c>) is enough.
/// The file is patched in place (it is the copy in a build output folder, never the NuGet
/// cache); systems whose libstdc++ has the version are left untouched.
/// </summary>
internal static class GlibcxxVersionWeakener
{
    private const string RequiredVersion = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    public static int Run(string library)
    {
        var systemLibrary = FindSystemLibStdCxx();
        if (systemLibrary is null || ContainsVersionName(File.ReadAllBytes(systemLibrary), RequiredVersion))
            return 0; // Nothing to do: the system libstdc++ is new enough (or this is no glibc system).

        var bytes = File.ReadAllBytes(library);
        var changed = WeakenRequirement(bytes, RequiredVersion);
        if (changed == Outcome.Weakened)
        {
            var temporary = library + ".tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, library, overwrite: true);
            Console.WriteLine($"ML.FastCnn: {systemLibrary} lacks {RequiredVersion}; marked that requirement weak in {library} so TorchSharp can load.");
        }
        return 0;
    }

    internal enum Outcome { NotRequired, AlreadyWeak, Weakened }

    /// <summary>Sets VER_FLG_WEAK on the named version requirement of an ELF64 little-endian image.</summary>
    internal static Outcome WeakenRequirement(byte[] elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Not a 64-bit little-endian ELF file.");

        var span = elf.AsSpan();
        long sectionTable = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);

        for (int i = 0; i < sectionCount; i++)
        {
            var header = span.Slice((int)(sectionTable + i * sectionSize), sectionSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed)
                continue;

            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            int linkedStrings = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            int entryCount = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]); // sh_info: number of Verneed entries
            var stringsHeader = span.Slice((int)(sectionTable + linkedStrings * sectionSize), sectionSize);
            long strings = (long)BinaryPrimitives.ReadUInt64LittleEndian(stringsHeader[0x18..]);

            long need = offset;
            for (int n = 0; n < entryCount; n++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(need + 2)..]);
                long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]);
                    if (ReadString(span, strings + nameOffset) == versionName)
                    {
                        var flags = span[(int)(aux + 4)..];
                        ushort value = BinaryPrimitives.ReadUInt16LittleEndian(flags);
                        if ((value & VerFlagWeak) != 0)
                            return Outcome.AlreadyWeak;
                        BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(value | VerFlagWeak));
                        return Outcome.Weakened;
                    }
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                }
                need += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 12)..]);
            }
        }
        return Outcome.NotRequired;
    }

    private static string ReadString(ReadOnlySpan<byte> data, long offset)
    {
        var rest = data[(int)offset..];
        return Encoding.ASCII.GetString(rest[..rest.IndexOf((byte)0)]);
    }

    private static bool ContainsVersionName(byte[] library, string name) =>
        library.AsSpan().IndexOf(Encoding.ASCII.GetBytes(name + "\0")) >= 0;

    /// <summary>The libstdc++.so.6 the dynamic loader would pick, from <c>ldconfig -p</c>.</summary>
    private static string? FindSystemLibStdCxx()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
        {
            if (!File.Exists(ldconfig))
                continue;
            var info = new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true };
            using var process = Process.Start(info)!;
            var listing = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var arch = Environment.Is64BitOperatingSystem ? "64" : "";
            var line = listing.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("libstdc++.so.6 ") && l.Contains(arch));
            if (line is not null)
                return line[(line.LastIndexOf("=> ", StringComparison.Ordinal) + 3)..].Trim();
        }
        return null;
    }
}
