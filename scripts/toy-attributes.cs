// The attributes toy's backends understand, declared for Mono: compiled
// next to every program by scripts/mono-check.sh. In toy they are built in
// (LANGUAGE.md, Backends); .NET 11's runtime async spells them similarly.
using System;

// Runs the method (or every method of the class) on the async1 backend.
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
sealed class Async1Attribute : Attribute { }

// Runs the method (or every method of the class) on the async2 backend.
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
sealed class Async2Attribute : Attribute { }

// [ConfigureAwait(false)]: every await in the method (class, assembly)
// resumes without the captured SynchronizationContext.
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class | AttributeTargets.Assembly)]
sealed class ConfigureAwaitAttribute : Attribute
{
    public ConfigureAwaitAttribute(bool continueOnCapturedContext) { }
}
