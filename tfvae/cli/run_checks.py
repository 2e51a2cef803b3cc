"""What `tfvae train` says before it trains: what an epoch is, and schedules that
the run ends before."""

from tfvae import schedules


def epoch_note(epoch_size, pass_size):
    """One line saying what an epoch of `epoch_size` examples is against one pass of
    `pass_size` training examples (None: an endless stream), or None when an epoch
    is exactly one pass."""
    if pass_size is None:
        return f"an epoch is {epoch_size:,} examples of an endless stream (each a new composite)."
    if epoch_size == pass_size:
        return None
    return (f"an epoch is {epoch_size:,} examples: {epoch_size / pass_size:.1f} passes over the {pass_size:,} "
            f"training examples (--epoch-size; leave it out for one pass).")


def schedule_warnings(model, epochs, steps_per_epoch):
    """Lines naming every schedule of `model` (KL weight, regularizer weights, a
    low-rank likelihood's start) that has not reached its final value when the run
    ends after `epochs` epochs of `steps_per_epoch` steps.

    Returns:
        List of str, empty when every schedule finishes in time.
    """
    named = [("the KL weight (beta)", model.beta)]
    named += [(f"the {r.term} weight", r.weight) for r in getattr(model, "regularizers", ())]
    start = getattr(model.likelihood, "start", None)
    if isinstance(start, schedules.Schedule):
        named.append(("the likelihood's low-rank factor", start))
    lines = []
    for name, schedule in named:
        if not isinstance(schedule, schedules.Ramp) or schedule.is_constant or schedule.unit == "fit":
            continue  # a share of the training always ends within it
        end = schedule.start + schedule.duration
        last = epochs if schedule.unit == "epoch" else epochs * steps_per_epoch
        if end > last:
            what = (f"starts at {schedule.unit} {end:,}" if schedule.duration == 0
                    else f"ramps until {schedule.unit} {end:,}")
            lines.append(f"{name} {what}, but the run ends after {last:,} {schedule.unit}s: it never reaches "
                         f"{schedule.value:g}.")
    return lines
