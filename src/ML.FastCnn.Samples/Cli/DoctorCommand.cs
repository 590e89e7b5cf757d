using System.CommandLine;
using ML.FastCnn;

namespace ML.FastCnn.Samples;

/// <summary>
/// <c>doctor</c>: <see cref="FastCnn.Diagnose"/> on this machine, one line per check (or JSON), exit code 1
/// when any check failed. The first thing to run when results differ between machines.
/// </summary>
internal static class DoctorCommand
{
    public enum OutputFormat
    {
        Text,
        Json,
    }

    public static Command Create()
    {
        var format = new Option<OutputFormat>("--format") { Description = "text (one line per check) or json", DefaultValueFactory = _ => OutputFormat.Text };
        var noSpeed = new Option<bool>("--no-speed") { Description = "skip the speed probe" };
        var command = new Command("doctor", "Check this machine: runtime, native libraries, CPU, every scoring engine against the network's own forward, speed.");
        command.Add(format);
        command.Add(noSpeed);
        command.SetAction(result =>
        {
            bool passed = false;
            int code = CliErrors.Run(() =>
            {
                var diagnosis = FastCnn.Diagnose(speedProbe: !result.GetValue(noSpeed));
                Console.WriteLine(result.GetValue(format) == OutputFormat.Json ? diagnosis.ToJson() : diagnosis.ToString());
                passed = diagnosis.Passed;
            });
            return code != 0 ? code : passed ? 0 : 1;
        });
        return command;
    }
}
