using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VSwitch.Integration.Tests.VhostUser;

/// <summary>Loggers for ports under test: silent unless VSWITCH_TEST_LOG=1, then to stderr.</summary>
internal static class TestLog
{
    public static ILogger For(string name)
    {
        if (Environment.GetEnvironmentVariable("VSWITCH_TEST_LOG") != "1")
        {
            return NullLogger.Instance;
        }
        return new StderrLogger(name);
    }

    private sealed class StderrLogger(string name) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Console.Error.WriteLine($"[{logLevel}] {name}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
    }
}
