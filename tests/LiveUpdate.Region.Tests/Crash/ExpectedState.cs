using LiveUpdate.Region.CrashWorker;

namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>
/// What the region may hold, rebuilt from the workers' reports: every DONE operation is in, every FAIL
/// operation changed nothing, and the one operation in flight when a worker was killed (BEGIN without DONE or
/// FAIL) may be either wholly there or wholly absent. So the expectation is a small set of candidate trees;
/// a DONE operation that is impossible in a candidate rules that candidate out (the engine did it, so its
/// preconditions held), and a verified attach collapses the set to the candidate that matches.
/// </summary>
internal sealed class ExpectedState
{
    private const int MaxCandidates = 16;

    private List<ModelTree> _candidates = [new ModelTree()];
    private int _withoutInFlight = 1;

    /// <summary>Candidate trees right now.</summary>
    public int CandidateCount => _candidates.Count;

    /// <summary>The operation left in flight by the last worker applied, or null when it finished (or died between operations).</summary>
    public Operation? InFlight { get; private set; }

    /// <summary>Replays one worker life's report. Throws <see cref="CrashCheckException"/> when a DONE operation fits no candidate.</summary>
    public void Apply(IEnumerable<ReportLine> lines)
    {
        Operation? inFlight = null;
        long inFlightSequence = 0;
        foreach (var line in lines)
        {
            switch (line.Tag)
            {
                case ReportTag.Begin:
                    if (inFlight is not null)
                    {
                        throw new CrashCheckException($"BEGIN {line.Sequence} while {inFlightSequence} has neither DONE nor FAIL");
                    }

                    inFlight = line.Operation;
                    inFlightSequence = line.Sequence;
                    break;

                case ReportTag.Done:
                    RequireInFlight(line, inFlight, inFlightSequence);
                    var reasons = new List<string>();
                    var survivors = new List<ModelTree>();
                    foreach (var candidate in _candidates)
                    {
                        if (candidate.TryApply(line.Operation!, out var why))
                        {
                            survivors.Add(candidate);
                        }
                        else
                        {
                            reasons.Add(why);
                        }
                    }

                    if (survivors.Count == 0)
                    {
                        throw new CrashCheckException($"the worker reported DONE {line.Sequence} {line.Operation}, impossible in every state the region can be in: {string.Join("; ", reasons)}");
                    }

                    _candidates = survivors;
                    inFlight = null;
                    break;

                case ReportTag.Fail:
                    RequireInFlight(line, inFlight, inFlightSequence);
                    inFlight = null;
                    break;
            }
        }

        InFlight = inFlight;
        _withoutInFlight = _candidates.Count;
        if (inFlight is null)
        {
            return;
        }

        var withInFlight = new List<ModelTree>();
        foreach (var candidate in _candidates)
        {
            var applied = candidate.Clone();
            if (applied.TryApply(inFlight, out _) && !_candidates.Any(applied.SameAs) && !withInFlight.Any(applied.SameAs))
            {
                withInFlight.Add(applied);
            }
        }

        _candidates.AddRange(withInFlight);
        if (_candidates.Count > MaxCandidates)
        {
            throw new CrashCheckException($"{_candidates.Count} candidate states: verify more often");
        }
    }

    /// <summary>
    /// Picks the candidate <paramref name="actual"/> matches and makes it the only one. Returns whether the
    /// in-flight operation turned out applied (null when there was none or the outcomes look alike); throws
    /// <see cref="CrashCheckException"/> with the differences when nothing matches.
    /// </summary>
    public bool? Resolve(ModelTree actual)
    {
        var index = _candidates.FindIndex(candidate => candidate.SameAs(actual));
        if (index < 0)
        {
            var message = new List<string> { $"the region matches none of the {_candidates.Count} states the reports allow" + (InFlight is null ? "" : $" (in flight: {InFlight})") };
            for (var i = 0; i < _candidates.Count; i++)
            {
                message.Add($"  candidate {i}{(i >= _withoutInFlight ? " (in-flight operation applied)" : "")}:");
                message.AddRange(_candidates[i].Differences(actual).Select(line => "    " + line));
            }

            throw new CrashCheckException(string.Join('\n', message));
        }

        bool? applied = InFlight is null || _candidates.Count == _withoutInFlight ? null : index >= _withoutInFlight;
        _candidates = [_candidates[index]];
        _withoutInFlight = 1;
        InFlight = null;
        return applied;
    }

    private static void RequireInFlight(ReportLine line, Operation? inFlight, long inFlightSequence)
    {
        if (inFlight is null || inFlightSequence != line.Sequence || line.Operation != inFlight)
        {
            throw new CrashCheckException($"{line.Tag} {line.Sequence} {line.Operation} does not end the operation in flight ({inFlightSequence} {inFlight})");
        }
    }
}
