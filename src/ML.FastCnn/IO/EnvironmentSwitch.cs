namespace ML.FastCnn;

/// <summary>How every FastCnn on/off environment variable reads (<c>FASTCNN_OFFLINE</c>, <c>FASTCNN_SYSTEM_MALLOC</c>).</summary>
internal static class EnvironmentSwitch
{
    /// <summary>Whether <paramref name="value"/> is 1, true or yes (any case, spaces around ignored); unset is off.</summary>
    public static bool IsOn(string? value) => value?.Trim().ToLowerInvariant() is "1" or "true" or "yes";
}
