-- A user's table of schedules, created while 0.1.0 (pm.tiers only) is installed.
CREATE TABLE public.my_schedules (id int PRIMARY KEY, t pm.tiers);
INSERT INTO public.my_schedules VALUES
  (1, '0:0.004, 300000:0.005, 800000:0.0065'), (2, '0:1, 1e6:0.975, 5e6:0.5');
