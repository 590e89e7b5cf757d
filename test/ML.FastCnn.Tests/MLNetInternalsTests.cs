using Mono.Cecil;
using Mono.Cecil.Cil;

namespace ML.FastCnn.Tests;

/// <summary>
/// ML.FastCnn compiles against publicized ML.NET assemblies, so the compiler cannot tell which code
/// leans on ML.NET internals. This reads the compiled library and its symbols: only code written in
/// src/ML.FastCnn/MLNet/ may touch a member or type ML.NET does not make public, so an ML.NET
/// upgrade touches one folder.
/// </summary>
[TestClass]
public sealed class MLNetInternalsTests
{
    [TestMethod]
    public void MLNetInternalsAreUsedOnlyInTheMLNetFolder()
    {
        var path = typeof(FastCnn).Assembly.Location;
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(path)!);
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { AssemblyResolver = resolver, ReadSymbols = true });

        var offenders = new List<string>();
        int internalUsesInMLNet = 0;
        foreach (var method in module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody))
        {
            var internals = method.Body.Instructions.Select(i => i.Operand).OfType<MemberReference>().Where(IsMLNetInternal)
                .Select(m => m.FullName).Distinct().ToList();
            if (internals.Count == 0)
                continue;
            var source = method.DebugInformation.SequencePoints.FirstOrDefault()?.Document.Url ?? "(no source)";
            if (source.Replace('\\', '/').Contains("/src/ML.FastCnn/MLNet/", StringComparison.Ordinal))
                internalUsesInMLNet += internals.Count;
            else
                offenders.Add($"{method.FullName} in {source}: {string.Join(", ", internals)}");
        }

        Assert.AreEqual(0, offenders.Count, string.Join('\n', offenders));
        Assert.IsTrue(internalUsesInMLNet > 0, "the check sees the MLNet folder's own uses (symbols were read)");
    }

    private static bool IsMLNetInternal(MemberReference member)
    {
        var declaring = member as TypeReference ?? member.DeclaringType;
        if (declaring is null || declaring.Scope.Name is not ("Microsoft.ML.Core" or "Microsoft.ML.Data"))
            return false;
        return member switch
        {
            TypeReference type => !IsVisible(type.Resolve()),
            MethodReference method => method.Resolve() is not { } m || !IsVisible(m.DeclaringType) || !(m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly),
            FieldReference field => field.Resolve() is not { } f || !IsVisible(f.DeclaringType) || !(f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly),
            _ => false,
        };
    }

    private static bool IsVisible(TypeDefinition? type) =>
        type is not null && (type.IsPublic || (type.IsNestedPublic && IsVisible(type.DeclaringType)));
}
