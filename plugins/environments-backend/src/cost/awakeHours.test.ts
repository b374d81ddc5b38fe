import { awakeHours } from './awakeHours';

const at = (hour: number) => new Date(Date.UTC(2026, 11, 1, hour));

describe('awakeHours', () => {
  it('splits a period by the sleep history, from the creation on', () => {
    expect(
      awakeHours({
        createdAt: at(2),
        // Asleep 8–12 and from 20 on.
        changes: [
          { at: at(20), asleep: true },
          { at: at(8), asleep: true },
          { at: at(12), asleep: false },
        ],
        from: at(0),
        to: at(24),
      }),
    ).toEqual({ awake: 6 + 8, asleep: 4 + 4 });
  });

  it('takes the state a period starts in from the changes before it', () => {
    expect(
      awakeHours({
        createdAt: at(0),
        changes: [{ at: at(1), asleep: true }],
        from: at(5),
        to: at(9),
      }),
    ).toEqual({ awake: 0, asleep: 4 });
  });

  it('is nothing for a period before the creation', () => {
    expect(
      awakeHours({ createdAt: at(10), changes: [], from: at(0), to: at(5) }),
    ).toEqual({ awake: 0, asleep: 0 });
  });
});
