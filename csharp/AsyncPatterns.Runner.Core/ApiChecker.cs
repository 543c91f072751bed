using System.Reflection;
using System.Text.RegularExpressions;

namespace AsyncConf.Runner;

/// <summary>
/// Resolves the spec's <c>api:</c> names in the running runtime (spec/PROTOCOL.md §2, <c>check_api</c>): a type
/// (<c>System.IAsyncDisposable</c>), a member (<c>Type.Member</c>), a method with parameter types
/// (<c>System.Threading.Tasks.Task.Delay(TimeSpan, TimeProvider, CancellationToken)</c>) or a constructor
/// (<c>System.Threading.CancellationTokenSource(TimeSpan, TimeProvider)</c>). Parameter types match by their short C#
/// names (<c>TimeSpan</c>, <c>IEnumerable&lt;Task&gt;</c>, <c>int</c>); namespaces in them are ignored.
/// </summary>
internal static partial class ApiChecker
{
    private const BindingFlags Members = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.FlattenHierarchy;

    private static readonly Dictionary<string, string> Keywords = new(StringComparer.Ordinal)
    {
        ["Boolean"] = "bool", ["Byte"] = "byte", ["SByte"] = "sbyte", ["Char"] = "char", ["Decimal"] = "decimal",
        ["Double"] = "double", ["Single"] = "float", ["Int32"] = "int", ["UInt32"] = "uint", ["Int64"] = "long",
        ["UInt64"] = "ulong", ["Int16"] = "short", ["UInt16"] = "ushort", ["Object"] = "object", ["String"] = "string",
        ["Void"] = "void", ["IntPtr"] = "nint", ["UIntPtr"] = "nuint",
    };

    /// <summary>Whether <paramref name="name"/> exists in the running runtime.</summary>
    public static bool Exists(string name)
    {
        try
        {
            return Resolve(name.Trim());
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool Resolve(string name)
    {
        var open = name.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            if (ResolveType(name) is not null)
            {
                return true;
            }

            var (owner, member) = SplitMember(name);
            var type = owner is null ? null : ResolveType(owner);
            if (type is null)
            {
                return false;
            }

            var (memberName, arity) = GenericName(member);
            return type.GetMember(memberName, Members).Any(m => arity == 0 || (m is MethodInfo method && method.GetGenericArguments().Length == arity))
                || type.GetNestedType(arity == 0 ? memberName : $"{memberName}`{arity}", BindingFlags.Public) is not null;
        }

        if (!name.EndsWith(')'))
        {
            return false;
        }

        var head = name[..open].Trim();
        var parameters = SplitTopLevel(name[(open + 1)..^1]).Select(TypeSyntax.Parse).ToArray();
        if (ResolveType(head) is { } constructed)
        {
            return constructed.GetConstructors().Any(ctor => Matches(ctor.GetParameters(), parameters));
        }

        var (typeName, methodPart) = SplitMember(head);
        if (typeName is null || ResolveType(typeName) is not { } declaring)
        {
            return false;
        }

        var (methodName, methodArity) = GenericName(methodPart);
        return declaring.GetMethods(Members)
            .Where(method => method.Name == methodName && (methodArity == 0 || method.GetGenericArguments().Length == methodArity))
            .Any(method => Matches(method.GetParameters(), parameters));
    }

    private static bool Matches(ParameterInfo[] actual, TypeSyntax[] expected) =>
        actual.Length == expected.Length && actual.Zip(expected).All(pair => pair.Second.Matches(pair.First.ParameterType));

    /// <summary>The type a dotted C# name denotes (namespaces, nested types, generic arity from <c>&lt;...&gt;</c>).</summary>
    private static Type? ResolveType(string name)
    {
        var segments = SplitDotted(name);
        if (segments.Count == 0)
        {
            return null;
        }

        var clrSegments = segments.Select(segment =>
        {
            var (plain, arity) = GenericName(segment);
            return arity == 0 ? plain : $"{plain}`{arity}";
        }).ToArray();

        // The first k segments name a type in a namespace; the rest are nested types.
        for (var split = clrSegments.Length; split >= 1; split--)
        {
            var outer = FindType(string.Join('.', clrSegments[..split]));
            if (outer is null)
            {
                continue;
            }

            var type = outer;
            foreach (var nested in clrSegments[split..])
            {
                type = type?.GetNestedType(nested, BindingFlags.Public);
            }

            if (type is not null)
            {
                return type;
            }
        }

        return null;
    }

    private static Type? FindType(string fullName)
    {
        if (Type.GetType(fullName) is { } found)
        {
            return found;
        }

        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetType(fullName) is { } inLoaded)
            {
                return inLoaded;
            }
        }

        // Framework types live in an assembly named after a prefix of their namespace (System.Net.Http ...).
        var parts = fullName.Split('.');
        for (var length = parts.Length - 1; length >= 1; length--)
        {
            try
            {
                if (Assembly.Load(new AssemblyName(string.Join('.', parts[..length]))).GetType(fullName) is { } inLoadedNow)
                {
                    return inLoadedNow;
                }
            }
            catch (Exception error) when (error is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException)
            {
                // Not an assembly name.
            }
        }

        return null;
    }

    private static (string? Owner, string Member) SplitMember(string name)
    {
        var segments = SplitDotted(name);
        return segments.Count < 2 ? (null, name) : (string.Join('.', segments.Take(segments.Count - 1)), segments[^1]);
    }

    private static (string Name, int Arity) GenericName(string segment)
    {
        var open = segment.IndexOf('<', StringComparison.Ordinal);
        if (open < 0)
        {
            return (segment.Trim(), 0);
        }

        if (!segment.EndsWith('>'))
        {
            throw new FormatException(segment);
        }

        return (segment[..open].Trim(), SplitTopLevel(segment[(open + 1)..^1]).Count);
    }

    /// <summary>Splits on dots outside angle brackets.</summary>
    private static List<string> SplitDotted(string name) => SplitTopLevel(name, '.');

    private static List<string> SplitTopLevel(string text, char separator = ',')
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var index = 0; index < text.Length; index++)
        {
            switch (text[index])
            {
                case '<' or '(' or '[':
                    depth++;
                    break;
                case '>' or ')' or ']':
                    depth--;
                    break;
                default:
                    if (text[index] == separator && depth == 0)
                    {
                        parts.Add(text[start..index].Trim());
                        start = index + 1;
                    }

                    break;
            }
        }

        var last = text[start..].Trim();
        if (last.Length > 0 || parts.Count > 0)
        {
            parts.Add(last);
        }

        return parts;
    }

    [GeneratedRegex(@"^(?:(?:ref|out|in|params|this)\s+)*(?<name>[A-Za-z_][\w.]*)(?:<(?<args>.*)>)?(?<suffix>(?:\?|\[,*\])*)$", RegexOptions.Singleline)]
    private static partial Regex TypePattern();

    /// <summary>A parameter type as the spec writes it: a name, type arguments, and <c>?</c> / <c>[]</c> suffixes.</summary>
    private sealed record TypeSyntax(string Name, IReadOnlyList<TypeSyntax> Arguments, string Suffix)
    {
        public static TypeSyntax Parse(string text)
        {
            var match = TypePattern().Match(text.Trim());
            if (!match.Success)
            {
                throw new FormatException(text);
            }

            var name = match.Groups["name"].Value;
            name = name[(name.LastIndexOf('.') + 1)..];
            name = Keywords.GetValueOrDefault(name, name);
            var arguments = match.Groups["args"].Success ? SplitTopLevel(match.Groups["args"].Value).Select(Parse).ToArray() : [];
            return new TypeSyntax(name, arguments, match.Groups["suffix"].Value);
        }

        public bool Matches(Type type)
        {
            if (type.IsByRef)
            {
                type = type.GetElementType()!;
            }

            if (Suffix.Length > 0)
            {
                var inner = this with { Suffix = Suffix[..LastSuffixStart()] };
                var last = Suffix[LastSuffixStart()..];
                if (last == "?")
                {
                    return Nullable.GetUnderlyingType(type) is { } underlying ? inner.Matches(underlying) : inner.Matches(type);
                }

                return type.IsArray && type.GetArrayRank() == last.Length - 1 && inner.Matches(type.GetElementType()!);
            }

            if (type.IsGenericParameter)
            {
                return Arguments.Count == 0;
            }

            var typeName = type.Name;
            var tick = typeName.IndexOf('`', StringComparison.Ordinal);
            typeName = tick < 0 ? typeName : typeName[..tick];
            typeName = Keywords.GetValueOrDefault(typeName, typeName);
            if (typeName != Name || type.IsArray)
            {
                return false;
            }

            var typeArguments = type.IsGenericType ? type.GetGenericArguments() : [];
            return typeArguments.Length == Arguments.Count && Arguments.Zip(typeArguments).All(pair => pair.First.Matches(pair.Second));
        }

        private int LastSuffixStart() => Suffix.EndsWith('?') ? Suffix.Length - 1 : Suffix.LastIndexOf('[');
    }
}
