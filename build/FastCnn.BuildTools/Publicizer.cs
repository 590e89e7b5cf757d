using Mono.Cecil;

namespace FastCnn.BuildTools;

/// <summary>
/// Writes a copy of an assembly in which every type and member is public. ML.FastCnn compiles
/// against such copies of Microsoft.ML.Core/Data so it can implement a savable transformer
/// (ML.NET keeps the needed types internal); at run time the real assemblies are used and
/// <c>IgnoresAccessChecksToAttribute</c> lets the CLR accept the calls.
/// </summary>
internal static class Publicizer
{
    public static int Run(string input, string output)
    {
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);
        using var assembly = AssemblyDefinition.ReadAssembly(input, new ReaderParameters { AssemblyResolver = resolver });
        foreach (var type in assembly.MainModule.GetTypes())
            Publicize(type);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        var temporary = output + ".tmp";
        assembly.Write(temporary);
        File.Move(temporary, output, overwrite: true);
        return 0;
    }

    private static void Publicize(TypeDefinition type)
    {
        if (type.IsNested)
            type.IsNestedPublic = true;
        else
            type.IsPublic = true;

        foreach (var method in type.Methods)
            method.IsPublic = true;
        foreach (var field in type.Fields)
        {
            // A public field beside an event of the same name would make C# references ambiguous.
            if (!type.Events.Any(e => e.Name == field.Name))
                field.IsPublic = true;
        }
    }
}
