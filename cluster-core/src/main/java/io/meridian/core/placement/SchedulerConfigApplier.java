package io.meridian.core.placement;

import io.meridian.core.Area;
import io.meridian.core.Rejection;
import io.meridian.core.Tx;
import io.meridian.core.Validation;
import io.meridian.proto.SchedulerControl;
import io.meridian.proto.SetSchedulerParameter;
import java.util.Optional;

/**
 * Applies scheduler control: pause, resume, set a parameter.
 *
 * <p>Stateless and thread-safe; the state is in the {@link Tx}.
 */
public final class SchedulerConfigApplier {

    private SchedulerConfigApplier() {
    }

    public static Optional<Rejection> validate(SchedulerControl control) {
        return switch (control.getControlCase()) {
            case PAUSE -> Validation.text("pause reason", control.getPause().getReason());
            case RESUME -> Rejection.none();
            case SET -> problem(control.getSet());
            case CONTROL_NOT_SET -> Validation.invalid("scheduler control names no control");
        };
    }

    private static Optional<Rejection> problem(SetSchedulerParameter set) {
        Optional<SchedulerParameter> parameter = SchedulerParameter.forKey(set.getKey());
        if (parameter.isEmpty()) {
            return Validation.invalid("unknown scheduler parameter '%s'; the parameters are: %s",
                    Validation.printable(set.getKey()), SchedulerParameter.keys());
        }
        return parameter.get().parse(set.getValue()).problem().flatMap(p -> Validation.invalid("%s", p));
    }

    public static Optional<Rejection> apply(Tx tx, SchedulerControl control) {
        return switch (control.getControlCase()) {
            case PAUSE -> pause(tx, control.getPause().getReason());
            case RESUME -> resume(tx);
            case SET -> set(tx, control.getSet());
            case CONTROL_NOT_SET -> Validation.invalid("scheduler control names no control");
        };
    }

    private static Optional<Rejection> pause(Tx tx, String reason) {
        tx.scheduler(tx.scheduler().withPaused(true, reason));
        tx.changed(Area.SCHEDULER, "scheduler", "paused%s", reason.isEmpty() ? "" : ": " + reason);
        return Rejection.none();
    }

    private static Optional<Rejection> resume(Tx tx) {
        tx.scheduler(tx.scheduler().withPaused(false, ""));
        tx.changed(Area.SCHEDULER, "scheduler", "resumed");
        return Rejection.none();
    }

    private static Optional<Rejection> set(Tx tx, SetSchedulerParameter set) {
        Optional<SchedulerParameter> known = SchedulerParameter.forKey(set.getKey());
        if (known.isEmpty()) {
            return Validation.invalid("unknown scheduler parameter '%s'", Validation.printable(set.getKey()));
        }
        SchedulerParameter parameter = known.get();
        SchedulerParameter.ParsedValue decoded = parameter.decode(set.getValue());
        if (decoded.problem().isPresent()) {
            return Validation.invalid("%s", decoded.problem().get());
        }
        long value = decoded.value();
        SchedulerConfig before = tx.scheduler();
        SchedulerConfig next = before.with(parameter, value);
        Optional<String> inconsistent = next.inconsistency();
        if (inconsistent.isPresent()) {
            return Validation.invalid("%s", inconsistent.get());
        }
        tx.scheduler(next);
        tx.changed(Area.SCHEDULER, "scheduler", "%s set from %s to %s", parameter.key(),
                parameter.format(before.value(parameter)), parameter.format(value));
        return Rejection.none();
    }
}
