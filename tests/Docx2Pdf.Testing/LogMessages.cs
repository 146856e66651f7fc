using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.Testing;

/// <summary>Reads the <c>[LoggerMessage]</c> declarations of an assembly.</summary>
public static class LogMessages
{
    /// <summary>Every string parameter of a <c>[LoggerMessage]</c> method, as "Method(parameter)": strings reach the log raw.</summary>
    public static IReadOnlyList<string> RawStringParameters(Assembly assembly) =>
        assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<LoggerMessageAttribute>() is not null)
            .SelectMany(m => m.GetParameters().Where(p => p.ParameterType == typeof(string)).Select(p => $"{m.DeclaringType!.FullName}.{m.Name}({p.Name})"))
            .ToList();
}
