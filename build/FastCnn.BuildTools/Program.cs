// Entry point of the build helper. Each command is one file; see build/README.md.
using FastCnn.BuildTools;

return args switch
{
    ["publicize", var input, var output] => Publicizer.Run(input, output),
    ["weaken-glibcxx", var library] => GlibcxxVersionWeakener.Run(library),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FastCnn.BuildTools publicize <in.dll> <out.dll>");
    Console.Error.WriteLine("       FastCnn.BuildTools weaken-glibcxx <libLibTorchSharp.so>");
    return 2;
}
