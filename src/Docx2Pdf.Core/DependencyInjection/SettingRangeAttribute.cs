using System.ComponentModel.DataAnnotations;

namespace Docx2Pdf;

/// <summary>
/// <see cref="RangeAttribute"/> whose <see cref="ValidationAttribute.ErrorMessage"/> is kept by the source-generated options
/// validator. The generator replaces a plain <c>[Range]</c> with a copy that words its own message ("The field X must be
/// between ...", without the configuration path; dotnet/runtime#123137); a derived attribute is used as written.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class SettingRangeAttribute : RangeAttribute
{
    public SettingRangeAttribute(int minimum, int maximum)
        : base(minimum, maximum)
    {
    }

    public SettingRangeAttribute(Type type, string minimum, string maximum)
        : base(type, minimum, maximum)
    {
        // Bounds are written invariantly ("00:10:00", "1024"), whatever the host's culture.
        ParseLimitsInInvariantCulture = true;
        ConvertValueInInvariantCulture = true;
    }
}
